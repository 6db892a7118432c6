import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, secretsDirSource, type ChangeEvent, type Config } from '../../src/index.ts';
import { QUIET_MS } from '../../src/sources/cut-text.ts';
import { readSecretFiles, SECRET_FILE_LIMITS, secretFileSegments, secretFileValue } from '../../src/sources/secret-files.ts';
import { eventually, settle } from '../helpers/events.ts';
import { foreignUrl, tempDir } from '../helpers/files.ts';

const open: Config[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function configOf(...args: Parameters<typeof secretsDirSource>) {
  const config = await createConfig({ sources: [secretsDirSource(...args)] });
  open.push(config);
  return config;
}

async function watched(dir: string, options: { separator?: string } = {}) {
  const config = await configOf({ dir, ...options });
  const events: ChangeEvent[] = [];
  config.on('change', (event) => events.push(event));
  const errors: ConfigError[] = [];
  config.on('error', (error) => errors.push(error));
  // Let the watches become ready and their first re-read settle.
  await settle(150);
  return { config, events, errors };
}

/** A Kubernetes secret volume as the kubelet's atomic writer lays it out, with `write` for its next version. */
async function kubernetesVolume(dir: string, files: Record<string, string>) {
  let version = 0;
  const write = async (next: Record<string, string>) => {
    version++;
    const data = `..2026_01_01_00_00_0${version}.000000001`;
    await mkdir(join(dir, data));
    for (const [name, value] of Object.entries(next)) await writeFile(join(dir, data, name), value);
    await symlink(data, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const name of Object.keys(next)) await symlink(join('..data', name), join(dir, name)).catch(() => {});
    if (version > 1) await rm(join(dir, `..2026_01_01_00_00_0${version - 1}.000000001`), { recursive: true });
  };
  await write(files);
  return write;
}

describe('secret file names and contents', () => {
  it.each<[string[], string, string | undefined, string[]]>([
    [[], 'password', undefined, ['password']],
    [[], 'db_password', undefined, ['db_password']],
    [[], 'db__password', '__', ['db', 'password']],
    [[], 'tls.crt', undefined, ['tls', 'crt']],
    [[], 'db__tls.key', '__', ['db', 'tls', 'key']],
    [['db'], 'password', undefined, ['db', 'password']],
    [['db'], '__a____b__', '__', ['db', 'a', 'b']],
    [[], 'a..b.', undefined, ['a', 'b']],
    [[], 'Mixed-Case', undefined, ['Mixed-Case']],
  ])('%j %j with separator %j → %j', (directories, name, separator, expected) => {
    expect(secretFileSegments(directories, name, separator)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['s3cret', 's3cret'],
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['s3cret\n\n', 's3cret\n'],
    ['line 1\nline 2\n', 'line 1\nline 2'],
    ['\n', ''],
    ['', ''],
    ['  spaced  ', '  spaced  '],
    // A leading byte order mark (Notepad's) is dropped, then one line ending; a second mark, or one inside, is kept.
    ['\uFEFFbom', 'bom'],
    ['\uFEFFs3cret\r\n', 's3cret'],
    ['\uFEFF\n', ''],
    ['\uFEFF\uFEFFtwo', '\uFEFFtwo'],
    ['in\uFEFFside\uFEFF', 'in\uFEFFside\uFEFF'],
  ])('%j reads as %j', (content, expected) => {
    expect(secretFileValue(new TextEncoder().encode(content), 'f', 'secrets')).toBe(expected);
  });

  it('reads UTF-16 after its byte order mark, as Windows PowerShell 5 redirects `echo s3cret > file`', () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('s3cret\r\n', 'utf16le')]);
    expect(secretFileValue(utf16le, 'f', 'secrets')).toBe('s3cret');
    expect(secretFileValue(Buffer.from(utf16le).subarray(2).swap16(), 'f', 'secrets')).not.toBe('s3cret');
    const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('s3cret\n', 'utf16le').swap16()]);
    expect(secretFileValue(utf16be, 'f', 'secrets')).toBe('s3cret');
  });

  it('refuses bytes that are not UTF-8, naming the file and not its content', () => {
    const error = (() => {
      try {
        secretFileValue(new Uint8Array([0x73, 0x65, 0xff, 0x63]), 'keystore.p12', 'secrets:/run/secrets');
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'DECODE', path: 'keystore.p12', source: 'secrets:/run/secrets' });
  });
});

describe('secretsDirSource reads', () => {
  it("reads Docker's /run/secrets layout: each file a key, one trailing newline dropped", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'db_password'), 'hunter2\n');
    await writeFile(join(dir, 'api_token'), 'tok-123');
    await writeFile(join(dir, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = await configOf(dir);
    expect(config.map()).toEqual({
      db_password: 'hunter2',
      api_token: 'tok-123',
      tls: { crt: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
    });
    expect(config.explain('db_password')).toMatchObject({ source: `secrets:${join(dir, 'db_password')}` });
  });

  it('takes a file: URL as its directory, named by the path', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 't1');
    const config = await configOf(pathToFileURL(dir));
    expect(config.get('token').string('')).toBe('t1');
    expect(config.explain('token').source).toBe(`secrets:${join(dir, 'token')}`);
    expect(() => secretsDirSource(new URL('https://example.com/run/secrets'))).toThrow(/or a file: URL$/);
    // A URL of another realm or library (jsdom's), by its shape: 'secretsDirSource has no option "href"' before.
    const shaped = await configOf(foreignUrl(pathToFileURL(dir)) as never);
    expect(shaped.get('token').string('')).toBe('t1');
  });

  it('nests directories, and names at the separator', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'db', 'replica'), { recursive: true });
    await writeFile(join(dir, 'db', 'password'), 'p1');
    await writeFile(join(dir, 'db', 'replica', 'password'), 'p2');
    await writeFile(join(dir, 'cache__password'), 'p3');
    const config = await configOf({ dir, separator: '__' });
    expect(config.map()).toEqual({ db: { password: 'p1', replica: { password: 'p2' } }, cache: { password: 'p3' } });
  });

  it("reads a Kubernetes secret volume through its links, skipping the writer's hidden entries", async () => {
    const dir = await tempDir();
    await kubernetesVolume(dir, { username: 'app\n', password: 'hunter2' });
    await writeFile(join(dir, '.hidden'), 'no');
    const config = await configOf(dir);
    expect(config.map()).toEqual({ username: 'app', password: 'hunter2' });
  });

  it('reads only regular files: FIFOs, sockets, links to directories, dangling and looping links are skipped', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'password'), 'hunter2');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'socket'), resolve));
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'inside'), 'x');
    await symlink(join(dir, 'elsewhere'), join(dir, 'linked-directory'));
    await symlink(join(dir, 'missing'), join(dir, 'dangling'));
    await symlink(join(dir, 'loop-a'), join(dir, 'loop-b'));
    await symlink(join(dir, 'loop-b'), join(dir, 'loop-a'));
    await symlink('/dev/zero', join(dir, 'device'));
    const config = await configOf(dir);
    expect(config.map()).toEqual({ password: 'hunter2', elsewhere: { inside: 'x' } });
  });

  it('keeps hostile names off every prototype', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '__proto__'), 'polluted');
    await writeFile(join(dir, 'constructor.prototype.polluted'), 'yes');
    await mkdir(join(dir, 'prototype'));
    await writeFile(join(dir, 'prototype', 'x'), 'y');
    await writeFile(join(dir, 'fine'), 'ok');
    const config = await configOf(dir);
    expect(config.map()).toEqual({ fine: 'ok' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a file over 1 MiB, naming it and not its content', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'huge'), 'z'.repeat(SECRET_FILE_LIMITS.fileBytes + 1));
    const failure = await configOf(dir).catch((error: unknown) => error as ConfigError);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure).toMatchObject({ code: 'LIMIT', path: 'huge', source: `secrets:${dir}` });
    expect((failure as ConfigError).message).not.toContain('zzz');
  });

  it.each([
    ['entries', { entries: 3 }, (dir: string) => Promise.all(['a', 'b', 'c', 'd'].map((name) => writeFile(join(dir, name), 'x')))],
    ['depth', { depth: 2 }, (dir: string) => mkdir(join(dir, 'a', 'b', 'c', 'd'), { recursive: true })],
    ['total bytes', { totalBytes: 10 }, (dir: string) => Promise.all(['a', 'b'].map((name) => writeFile(join(dir, name), '123456')))],
    ['file bytes', { fileBytes: 5 }, (dir: string) => writeFile(join(dir, 'a'), '123456')],
  ] as const)('bounds the %s', async (_what, bounds, make) => {
    const dir = await tempDir();
    await make(dir);
    await expect(readSecretFiles(dir, 'secrets', undefined, { ...SECRET_FILE_LIMITS, ...bounds })).rejects.toMatchObject({ code: 'LIMIT' });
  });

  it('rejects a missing directory unless optional, which reads as an empty layer', async () => {
    const dir = join(await tempDir(), 'not-mounted');
    await expect(configOf(dir)).rejects.toMatchObject({ code: 'READ', source: `secrets:${dir}`, message: expect.stringContaining('directory not found') });
    expect((await configOf({ dir, optional: true })).map()).toEqual({});
    expect(() => secretsDirSource({ dir, separator: '' })).toThrow(ConfigError);
  });
});

describe('secretsDirSource follows the directory', () => {
  it('sees files added, changed and removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a'), '1');
    const { config } = await watched(dir);
    await writeFile(join(dir, 'b'), '2');
    await eventually(() => expect(config.map()).toEqual({ a: '1', b: '2' }));
    await writeFile(join(dir, 'a'), '3\n');
    await eventually(() => expect(config.map()).toEqual({ a: '3', b: '2' }));
    await rm(join(dir, 'b'));
    await eventually(() => expect(config.map()).toEqual({ a: '3' }));
  });

  it('sees a Kubernetes secret volume swapped, again and again, with no mixed version published', async () => {
    const dir = await tempDir();
    const write = await kubernetesVolume(dir, { username: 'u1', password: 'p1' });
    const { config, events, errors } = await watched(dir);
    for (const round of [2, 3, 4]) {
      await write({ username: `u${round}`, password: `p${round}` });
      await eventually(() => expect(config.map()).toEqual({ username: `u${round}`, password: `p${round}` }));
    }
    await settle(300);
    // Each published snapshot holds one version's pair: never a username of one version with another's password.
    for (const event of events) {
      const snapshot = Object.fromEntries(event.changes.map((change) => [change.path, change.current]));
      if ('username' in snapshot && 'password' in snapshot) expect(String(snapshot.username).slice(1)).toBe(String(snapshot.password).slice(1));
    }
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  });

  it('sees a key added to a Kubernetes volume', async () => {
    const dir = await tempDir();
    const write = await kubernetesVolume(dir, { password: 'p1' });
    const { config } = await watched(dir);
    await write({ password: 'p1', token: 't2' });
    await eventually(() => expect(config.map()).toEqual({ password: 'p1', token: 't2' }));
  });

  it('sees a directory made later, and files written into it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a'), '1');
    const { config } = await watched(dir);
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'db', 'password'), 'p1');
    await eventually(() => expect(config.get('db.password').string('')).toBe('p1'));
    await writeFile(join(dir, 'db', 'password'), 'p2');
    await eventually(() => expect(config.get('db.password').string('')).toBe('p2'));
  });

  it('keeps the last good layer when a file becomes too large, and reports it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a'), '1');
    const { config, errors } = await watched(dir);
    // Written aside and renamed over (a hidden name is skipped), so no half-written file can be read meanwhile.
    await writeFile(join(dir, '.a.tmp'), 'z'.repeat(SECRET_FILE_LIMITS.fileBytes + 1));
    await rename(join(dir, '.a.tmp'), join(dir, 'a'));
    await eventually(() => expect(errors.map((error) => error.code)).toContain('LIMIT'));
    expect(config.map()).toEqual({ a: '1' });
    await writeFile(join(dir, 'a'), '2');
    await eventually(() => expect(config.map()).toEqual({ a: '2' }));
  });

  it('reports a file that is not text once, and goes on following the directory', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a'), '1');
    const { config, errors } = await watched(dir);
    await writeFile(join(dir, '.a.tmp'), Buffer.from([0x32, 0xff]));
    await rename(join(dir, '.a.tmp'), join(dir, 'a'));
    await eventually(() => expect(errors.map((error) => error.code)).toEqual(['DECODE']));
    // Room for chokidar's trailing look and the quiet rule (each read the fault again) and for a watch that ended to be
    // created again (it read the fault again, and again each backoff: 9 errors in 2 s).
    await settle(400);
    await writeFile(join(dir, 'a'), '2');
    await eventually(() => expect(config.map()).toEqual({ a: '2' }));
    expect(errors.map((error) => error.code)).toEqual(['DECODE']);
  });

  it('publishes a file rewritten in place only once it has been quiet: a write under way is not taken for the value', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'password'), 'old');
    // Written long ago: the first readings publish it at once, and only the rewrite below is held back.
    await utimes(join(dir, 'password'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const { config } = await watched(dir);
    const published = new Promise<number>((resolve) => config.on('change', () => resolve(Date.now())));
    // In place, in one write of the same size (no moment when the file is empty), so the value read is 'new' or 'old'.
    await writeFile(join(dir, 'password'), 'new', { flag: 'r+' });
    const modified = (await stat(join(dir, 'password'))).mtimeMs;
    const at = await published;
    expect(config.get('password').string('')).toBe('new');
    // A lower bound only (never a matter of the machine's speed): not read for publishing before QUIET_MS had passed.
    expect(at - modified).toBeGreaterThanOrEqual(QUIET_MS - 1);
  });

  it('waits for a directory not mounted yet (optional)', async () => {
    const dir = join(await tempDir(), 'later');
    const config = await configOf({ dir, optional: true });
    await settle(100);
    await mkdir(dir);
    await writeFile(join(dir, 'password'), 'p1');
    await eventually(() => expect(config.map()).toEqual({ password: 'p1' }));
  });
});
