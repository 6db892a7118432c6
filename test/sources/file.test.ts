import { mkdir, rename, rm, symlink, unlink, writeFile, open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, fileSource, type ChangeEvent, type Config, type FileSourceOptions } from '../../src/index.ts';
import { watchedFileSource } from '../../src/sources/file.ts';
import { chokidarFileWatcher, systemFileWatcher, type FileWatcher } from '../../src/sources/file-watch.ts';
import { startedWhileWaiting } from '../helpers/activity.ts';
import { eventually, nextChange, nextError, settle } from '../helpers/events.ts';
import { foreignUrl, tempDir } from '../helpers/files.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

// Each watcher, on the platforms it serves: the system's own (inotify) is the one used on Linux, chokidar elsewhere.
const watchers: [string, FileWatcher][] = [
  ...(process.platform === 'linux' ? [['the system watcher', systemFileWatcher] as [string, FileWatcher]] : []),
  ['chokidar', chokidarFileWatcher],
];

async function watchedWith(path: string, options: { debounce?: number; optional?: boolean }, watcher: FileWatcher) {
  const config = await createConfig({ sources: [watchedFileSource({ path, ...options }, watcher)] });
  open.push(config);
  const events: ChangeEvent[] = [];
  config.on('change', (event) => events.push(event));
  // Let the watcher become ready and its first re-read settle.
  await settle(150);
  return { config, events };
}

/** Expects exactly one change event bringing `port` to `expected`, and no second one after a pause. */
async function expectOneChange(config: Config, events: ChangeEvent[], expected: number) {
  await eventually(() => expect(config.get('port').int(0)).toBe(expected));
  await settle(300);
  expect(events).toHaveLength(1);
  expect(events[0]!.changes).toMatchObject([{ path: 'port', current: expected }]);
}

describe('fileSource reads', () => {
  it('reads each format from its extension, case-insensitively', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.JSON'), '{"a":1}');
    await writeFile(join(dir, 'b.yml'), 'b: 2\n');
    await writeFile(join(dir, 'c.toml'), 'c = 3\n');
    await writeFile(join(dir, '.env'), 'D_E=4\n');
    await writeFile(join(dir, 'f.conf'), 'f: 5\n');
    const config = await createConfig({
      sources: ['a.JSON', 'b.yml', 'c.toml', '.env'].map((name) => fileSource(join(dir, name))).concat(fileSource({ path: join(dir, 'f.conf'), format: 'yaml' })),
    });
    open.push(config);
    expect(config.map()).toEqual({ a: 1, b: 2, c: 3, d: { e: '4' }, f: 5 });
    expect(config.explain('b').source).toBe(`file:${join(dir, 'b.yml')}`);
  });

  it('takes a URL of another realm or library (jsdom\'s in a test environment) by its shape, as its types do', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{"a":1,"b":2}');
    await writeFile(join(dir, 'own.json'), '{"b":3}');
    // Typed so where the consumer's types declare no URL (UrlShape); here they declare Node's.
    const url = (file: string) => foreignUrl(pathToFileURL(join(dir, file))) as never;
    const config = await createConfig({ sources: [fileSource(url('config.json')), fileSource({ path: url('own.json'), name: 'own' })] });
    open.push(config);
    // Before: 'fileSource has no option "href"', and for the option 'a file source needs a path'.
    expect(config.map()).toEqual({ a: 1, b: 3 });
    expect(config.explain('a').source).toBe(`file:${join(dir, 'config.json')}`);
    expect(() => fileSource(foreignUrl(new URL('https://example.com/config.json')) as never)).toThrow(/^a file source needs a path: a non-empty string without NUL characters, or a file: URL$/);
  });

  it('takes a file: URL as its path (new URL(…, import.meta.url)), named by the path; another URL is refused', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'my config.yaml'), 'a: 1\n');
    const url = pathToFileURL(join(dir, 'my config.yaml'));
    const config = await createConfig({ sources: [fileSource(url), fileSource({ path: new URL('./my%20config.yaml', pathToFileURL(`${dir}/`)), name: 'own' })] });
    open.push(config);
    expect(config.get('a').int(0)).toBe(1);
    const explained = config.explain('a');
    expect([explained.source, ...explained.overridden.map((layer) => layer.source)]).toEqual(['own', `file:${join(dir, 'my config.yaml')}`]);
    await writeFile(join(dir, 'my config.yaml'), 'a: 2\n');
    await eventually(() => expect(config.get('a').int(0)).toBe(2));
    for (const other of [new URL('https://example.com/config.json'), new URL('file://server/share/config.json'), new URL('file:///tmp/a%2Fb.json')]) {
      expect(() => fileSource(other)).toThrow(/^a file source needs a path: a non-empty string without NUL characters, or a file: URL$/);
    }
  });

  it('hands a file over 1 MiB over as its bytes, and a smaller one as text, each decoded the same', async () => {
    const dir = await tempDir();
    const small = join(dir, 'small.yaml');
    const large = join(dir, 'large.yaml');
    await writeFile(small, 'a: é\n');
    await writeFile(large, `a: é\nb: ${'x'.repeat(1024 * 1024)}\n`);
    expect((await fileSource(small).read()).data).toBe('a: é\n');
    // No text is made from a large file's bytes where it is read: the thread that decodes it makes its own.
    const read = await fileSource(large).read();
    expect(read.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(read.data as Uint8Array).toString()).toBe(`a: é\nb: ${'x'.repeat(1024 * 1024)}\n`);
    const config = await createConfig({ sources: [fileSource(small), fileSource({ path: large, name: 'large' })] });
    open.push(config);
    expect(config.get('a').string()).toBe('é');
    expect(config.get('b').string()).toHaveLength(1024 * 1024);
  });

  it('refuses an unknown extension without a format on its first read (the config may have an encoder for it), naming the file', async () => {
    expect(() => fileSource('/etc/app/config')).toThrow(ConfigError);
    await expect(createConfig({ sources: [fileSource('/etc/app/config.ini')] })).rejects.toThrow(/config\.ini/);
    await expect(createConfig({ sources: [fileSource({ path: 'x.json', format: 'xml' })] })).rejects.toThrow(/unknown format "xml"/);
  });

  it('rejects createConfig for a missing file, naming it, unless optional', async () => {
    const dir = await tempDir();
    const path = join(dir, 'missing.yaml');
    await expect(createConfig({ sources: [fileSource(path)] })).rejects.toMatchObject({
      code: 'READ',
      source: `file:${path}`,
      message: expect.stringContaining('file not found'),
    });
    const config = await createConfig({ defaults: { a: 1 }, sources: [fileSource({ path, optional: true })] });
    open.push(config);
    expect(config.map()).toEqual({ a: 1 });
  });

  it('rejects createConfig for an invalid file with the file, line and column', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'a: 1\nb: [1,\nc: 2\n');
    const error = (await createConfig({ sources: [fileSource(path)] }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.source).toBe(`file:${path}`);
    // The bracket never closed (the parser reads `c: 2` as its second entry).
    expect(error.line).toBe(2);
    expect(error.message).toContain(`file:${path}: invalid yaml`);
    expect(error.message).toContain('line 2, column 4');
  });
});

describe.each(watchers)('fileSource hot reload with %s', (_name, watcher) => {
  const source = (options: string | FileSourceOptions) => watchedFileSource(options, watcher);
  const watched = (path: string, options: { debounce?: number; optional?: boolean } = {}) => watchedWith(path, options, watcher);

  it('sees an in-place write once', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    await writeFile(path, '{"port":2}');
    await expectOneChange(config, events, 2);
  });

  it('sees a write to a temporary file renamed over it once', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    await writeFile(join(dir, '.app.json.tmp'), '{"port":2}');
    await rename(join(dir, '.app.json.tmp'), path);
    await expectOneChange(config, events, 2);
  });

  it('sees a vim-style save (rename away, write, remove the backup) once', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.yaml');
    await writeFile(path, 'port: 1\n');
    const { config, events } = await watched(path);
    await rename(path, `${path}~`);
    await writeFile(path, 'port: 2\n');
    await unlink(`${path}~`);
    await expectOneChange(config, events, 2);
  });

  it('sees delete then recreate once, keeping the last good layer while the file is gone', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    const errors: ConfigError[] = [];
    config.on('error', (e) => errors.push(e));
    await unlink(path);
    await eventually(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toMatchObject({ code: 'READ', source: `file:${path}` });
    expect(config.get('port').int(0)).toBe(1);
    await writeFile(path, '{"port":2}');
    await expectOneChange(config, events, 2);
  });

  it('reports a deleted file with one READ error, and picks it up when it is made again', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    const errors: ConfigError[] = [];
    config.on('error', (e) => errors.push(e));
    await unlink(path);
    await eventually(() => expect(errors).toHaveLength(1));
    // Past every re-read the deletion caused.
    await settle(300);
    expect(errors.map((e) => [e.code, e.detail])).toEqual([['READ', 'file not found']]);
    await writeFile(path, '{"port":2}');
    await expectOneChange(config, events, 2);
    expect(errors).toHaveLength(1);
  });

  it('sees Kubernetes ConfigMap updates (a ..data symlink swapped to a new directory), again and again', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..2026_11_24_1'));
    await writeFile(join(dir, '..2026_11_24_1', 'app.yaml'), 'port: 1\n');
    await symlink('..2026_11_24_1', join(dir, '..data'));
    await symlink('..data/app.yaml', join(dir, 'app.yaml'));
    const { config, events } = await watched(join(dir, 'app.yaml'));
    for (const round of [2, 3]) {
      const next = `..2026_11_24_${round}`;
      await mkdir(join(dir, next));
      await writeFile(join(dir, next, 'app.yaml'), `port: ${round}\n`);
      await symlink(next, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await rm(join(dir, `..2026_11_24_${round - 1}`), { recursive: true });
      await eventually(() => expect(config.get('port').int(0)).toBe(round));
    }
    await settle(300);
    expect(events.map((e) => e.changes[0]!.current)).toEqual([2, 3]);
  });

  it('sees a ..data link swapped to a new directory with the old directory left in place, again and again', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'app.yaml'), 'port: 1\n');
    await symlink('..v1', join(dir, '..data'));
    await symlink('..data/app.yaml', join(dir, 'app.yaml'));
    const { config, events } = await watched(join(dir, 'app.yaml'));
    for (const round of [2, 3]) {
      await mkdir(join(dir, `..v${round}`));
      await writeFile(join(dir, `..v${round}`, 'app.yaml'), `port: ${round}\n`);
      // As `ln -sfn` or a writer whose clean-up comes later does it: the old directory stays.
      await symlink(`..v${round}`, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await eventually(() => expect(config.get('port').int(0)).toBe(round));
    }
    // The directory no longer linked is not followed.
    await writeFile(join(dir, '..v1', 'app.yaml'), 'port: 9\n');
    await settle(300);
    expect(events.map((e) => e.changes[0]!.current)).toEqual([2, 3]);
  });

  it.each([
    ['the directory itself', ''],
    ['a directory further up', 'config'],
  ])('follows a release symlink swapped on the path (%s), then writes in the new release', async (_where, below) => {
    const root = await tempDir();
    for (const release of ['r1', 'r2', 'r3']) {
      await mkdir(join(root, release, below), { recursive: true });
      await writeFile(join(root, release, below, 'app.json'), `{"release":"${release}"}`);
    }
    await symlink(join(root, 'r1'), join(root, 'current'));
    const { config, events } = await watched(join(root, 'current', below, 'app.json'));
    for (const release of ['r2', 'r3']) {
      // As deploy tools do it: a new link, renamed over the old one.
      await symlink(join(root, release), join(root, 'next'));
      await rename(join(root, 'next'), join(root, 'current'));
      await eventually(() => expect(config.get('release').string()).toBe(release));
    }
    await writeFile(join(root, 'r3', below, 'app.json'), '{"release":"r3-patched"}');
    await eventually(() => expect(config.get('release').string()).toBe('r3-patched'));
    // The old release is no longer followed.
    await writeFile(join(root, 'r1', below, 'app.json'), '{"release":"stale"}');
    await settle(300);
    expect(config.get('release').string()).toBe('r3-patched');
    expect(events.map((e) => e.changes[0]!.current)).toEqual(['r2', 'r3', 'r3-patched']);
  });

  it('sees in-place writes to the file its path is a symlink to, in another directory', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'conf'));
    await mkdir(join(root, 'shared'));
    await writeFile(join(root, 'shared', 'real.json'), '{"port":1}');
    await symlink(join(root, 'shared', 'real.json'), join(root, 'conf', 'app.json'));
    const { config, events } = await watched(join(root, 'conf', 'app.json'));
    await writeFile(join(root, 'shared', 'real.json'), '{"port":2}');
    await expectOneChange(config, events, 2);
  });

  it('follows the file replaced by a link to a file in another directory, and writes to that file', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'conf'));
    await mkdir(join(root, 'shared'));
    await writeFile(join(root, 'conf', 'app.json'), '{"port":1}');
    await writeFile(join(root, 'shared', 'real.json'), '{"port":2}');
    const { config, events } = await watched(join(root, 'conf', 'app.json'));
    await symlink(join(root, 'shared', 'real.json'), join(root, 'conf', 'app.json.new'));
    await rename(join(root, 'conf', 'app.json.new'), join(root, 'conf', 'app.json'));
    await eventually(() => expect(config.get('port').int(0)).toBe(2));
    await writeFile(join(root, 'shared', 'real.json'), '{"port":3}');
    await eventually(() => expect(config.get('port').int(0)).toBe(3));
    await settle(200);
    expect(events.map((e) => e.changes[0]!.current)).toEqual([2, 3]);
  });

  it('follows its directory replaced by another renamed over it, or removed and made again', async () => {
    const root = await tempDir();
    const dir = join(root, 'conf');
    await mkdir(dir);
    await writeFile(join(dir, 'app.json'), '{"v":1}');
    const { config, events } = await watched(join(dir, 'app.json'));
    await mkdir(join(root, 'conf.new'));
    await writeFile(join(root, 'conf.new', 'app.json'), '{"v":2}');
    await rename(dir, join(root, 'conf.old'));
    await rename(join(root, 'conf.new'), dir);
    await eventually(() => expect(config.get('v').int(0)).toBe(2));
    await writeFile(join(dir, 'app.json'), '{"v":3}');
    await eventually(() => expect(config.get('v').int(0)).toBe(3));
    await rm(dir, { recursive: true });
    await mkdir(dir);
    await writeFile(join(dir, 'app.json'), '{"v":4}');
    await eventually(() => expect(config.get('v').int(0)).toBe(4));
    await writeFile(join(dir, 'app.json'), '{"v":5}');
    await eventually(() => expect(config.get('v').int(0)).toBe(5));
    await settle(200);
    expect(events.map((e) => e.changes[0]!.current)).toEqual([2, 3, 4, 5]);
  });

  it('follows its directory emptied and replaced by another renamed over it', async () => {
    const root = await tempDir();
    const dir = join(root, 'conf');
    await mkdir(dir);
    await writeFile(join(dir, 'app.json'), '{"v":1}');
    const { config } = await watched(join(dir, 'app.json'), { debounce: 0 });
    const errors: string[] = [];
    config.on('error', (error) => errors.push(error.code));
    await rm(join(dir, 'app.json'));
    await eventually(() => expect(errors).toContain('READ'));
    await mkdir(join(root, 'conf.new'));
    await writeFile(join(root, 'conf.new', 'app.json'), '{"v":2}');
    // Over the emptied directory: the old one is gone, and its watch says so.
    await rename(join(root, 'conf.new'), dir);
    await eventually(() => expect(config.get('v').int(0)).toBe(2));
    await writeFile(join(dir, 'app.json'), '{"v":3}');
    await eventually(() => expect(config.get('v').int(0)).toBe(3));
  });

  it('never publishes a half-written file: the last good layer stays and the next good write is picked up', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1,"name":"a"}');
    const { config, events } = await watched(path, { debounce: 0 });
    const seen: unknown[] = [];
    config.watch().on('change', (value) => seen.push(value.raw()));
    const error = nextError(config);
    const handle = await openFile(path, 'w');
    await handle.write('{"port":2,');
    await handle.sync();
    const received = await error;
    expect(received).toMatchObject({ code: 'DECODE', source: `file:${path}`, line: 1 });
    expect(received.message).toContain(`file:${path}: invalid json`);
    expect(config.get('port').int(0)).toBe(1);
    await handle.write('"name":"b"}');
    await handle.close();
    await eventually(() => expect(config.get('port').int(0)).toBe(2));
    expect(config.get('name').string()).toBe('b');
    expect(seen).toEqual([{ port: 2, name: 'b' }]);
    expect(events).toHaveLength(1);
  });

  it('keeps the last good layer through an invalid write and picks up the next good one', async () => {
    const path = join(await tempDir(), 'app.toml');
    await writeFile(path, 'port = 1\n');
    const { config } = await watched(path);
    const error = nextError(config);
    await writeFile(path, 'port = = 2\n');
    expect(await error).toMatchObject({ code: 'DECODE', line: 1, column: 8 });
    await settle(50);
    expect(config.get('port').int(0)).toBe(1);
    const change = nextChange(config);
    await writeFile(path, 'port = 3\n');
    await change;
    expect(config.get('port').int(0)).toBe(3);
  });

  it('takes an emptied file for one being rewritten: the last good layer stays until content arrives', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    await writeFile(path, '');
    await settle(300);
    expect(config.get('port').int(0)).toBe(1);
    expect(events).toEqual([]);
    await writeFile(path, '{}');
    await eventually(() => expect(config.get('port').exists()).toBe(false));
  });

  it('publishes a text document whose last line has no line end once the file is quiet', async () => {
    const path = join(await tempDir(), 'app.yaml');
    await writeFile(path, 'port: 1\n');
    const { config, events } = await watched(path);
    // Held at first (it may be a write cut mid-line), then taken as it is.
    await writeFile(path, 'port: 2');
    await expectOneChange(config, events, 2);
  });

  it('uses no timer and no file system request while nothing is written', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    await watched(path);
    // Past chokidar's own settling after it is ready.
    await settle(200);
    expect(await startedWhileWaiting(1000)).toEqual([]);
  });

  it('publishes nothing when identical content is written again', async () => {
    const path = join(await tempDir(), 'app.yaml');
    await writeFile(path, 'port: 1\n');
    const { events } = await watched(path);
    await writeFile(path, 'port: 1\n');
    await writeFile(`${path}.tmp`, 'port: 1\n');
    await rename(`${path}.tmp`, path);
    await settle(300);
    expect(events).toEqual([]);
  });

  it('picks up an optional file created later, and empties its layer when it is deleted', async () => {
    const path = join(await tempDir(), 'late.json');
    const config = await createConfig({ defaults: { port: 0 }, sources: [source({ path, optional: true })] });
    open.push(config);
    await settle(150);
    await writeFile(path, '{"port":7}');
    await eventually(() => expect(config.get('port').int(-1)).toBe(7));
    await unlink(path);
    await eventually(() => expect(config.get('port').int(-1)).toBe(0));
  });

  it('waits quietly for the directory of an optional file, and sees the file as soon as it is made', async () => {
    const root = await tempDir();
    const path = join(root, 'conf.d', 'local', 'late.json');
    const config = await createConfig({ defaults: { port: 0 }, sources: [source({ path, optional: true })] });
    open.push(config);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    await settle(1500);
    await mkdir(join(root, 'conf.d'));
    await settle(100);
    await mkdir(join(root, 'conf.d', 'local'));
    await writeFile(path, '{"port":7}');
    const written = Date.now();
    await eventually(() => expect(config.get('port').int(-1)).toBe(7));
    // Soon (milliseconds, unless the machine is loaded), not at the next retry of a failed watch, which by now
    // would be seconds away; and nothing to report meanwhile.
    expect(Date.now() - written).toBeLessThan(3000);
    expect(errors).toEqual([]);
    await writeFile(path, '{"port":8}');
    await eventually(() => expect(config.get('port').int(-1)).toBe(8));
  });

  it('closes at once while waiting for a missing directory', async () => {
    const path = join(await tempDir(), 'nowhere', 'late.json');
    const config = await createConfig({ sources: [source({ path, optional: true })] });
    await settle(100);
    const closed = await Promise.race([config.close().then(() => true), settle(3000).then(() => false)]);
    expect(closed).toBe(true);
  });

  it('lets several file sources watch the same directory, each seeing its own file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.json'), '{"a":1}');
    await writeFile(join(dir, 'b.json'), '{"b":1}');
    const config = await createConfig({ sources: [source(join(dir, 'a.json')), source(join(dir, 'b.json'))] });
    open.push(config);
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    await settle(150);
    await writeFile(join(dir, 'b.json'), '{"b":2}');
    await eventually(() => expect(config.get('b').int(0)).toBe(2));
    await writeFile(join(dir, 'a.json'), '{"a":2}');
    await eventually(() => expect(config.get('a').int(0)).toBe(2));
    await settle(200);
    expect(events.map((e) => e.changes.map((c) => c.path))).toEqual([['b'], ['a']]);
  });

  it('shares one directory watch between configs, and a config closing leaves the others watching', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.json'), '{"a":1}');
    await writeFile(join(dir, 'b.json'), '{"b":1}');
    const first = await createConfig({ sources: [source(join(dir, 'a.json'))] });
    const second = await createConfig({ sources: [source(join(dir, 'b.json')), source(join(dir, 'a.json'))] });
    open.push(second);
    await settle(150);
    await first.close();
    await writeFile(join(dir, 'a.json'), '{"a":2}');
    await writeFile(join(dir, 'b.json'), '{"b":2}');
    await eventually(() => expect(second.map()).toEqual({ a: 2, b: 2 }));
    expect(first.get('a').int(0)).toBe(1);
  });

  it('closes at once, even before its watcher is ready', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    for (let i = 0; i < 5; i++) {
      const config = await createConfig({ sources: [source(path)] });
      const closed = await Promise.race([config.close().then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 3000))]);
      expect(closed).toBe(true);
    }
  });

  it('stops watching on close', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const { config, events } = await watched(path);
    await config.close();
    await writeFile(path, '{"port":2}');
    await settle(200);
    expect(events).toEqual([]);
    expect(config.get('port').int(0)).toBe(1);
  });
});

// chokidar, used off Linux, watches the file's directory only: a parent swapped is not seen there.
for (const [name, watcher] of watchers.filter(([, each]) => each === systemFileWatcher)) {
  describe(`fileSource hot reload with ${name}: directories above the file's`, () => {
    it("follows its directory's parent renamed away and another put in its place (a release directory swapped)", async () => {
      const root = await tempDir();
      for (const [release, v] of [['app', 1], ['app.new', 2]] as const) {
        await mkdir(join(root, release, 'conf'), { recursive: true });
        await writeFile(join(root, release, 'conf', 'app.json'), `{"v":${v}}`);
      }
      const { config } = await watchedWith(join(root, 'app', 'conf', 'app.json'), { debounce: 0 }, watcher);
      // The directory holding the file is not moved itself: its own watch says nothing, its parent's does.
      await rename(join(root, 'app'), join(root, 'app.old'));
      await rename(join(root, 'app.new'), join(root, 'app'));
      await eventually(() => expect(config.get('v').int(0)).toBe(2));
      await writeFile(join(root, 'app', 'conf', 'app.json'), '{"v":3}');
      await eventually(() => expect(config.get('v').int(0)).toBe(3));
    });
  });
}

describe('file source: files made as they are read (procfs, sysfs)', () => {
  // Their size is 0 (procfs) or a page (sysfs) whatever they hold, so a read never matched the size reported and
  // the source failed with "the file changed during every read of it".
  it.runIf(process.platform === 'linux')('reads /proc/self/status, whose reported size is 0', async () => {
    const config = await createConfig({ sources: [fileSource({ path: '/proc/self/status', format: 'yaml' })], watch: false });
    expect(config.get('Pid').int(0)).toBe(process.pid);
    await config.close();
  });
});
