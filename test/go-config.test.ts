// Go Config's own tests (go-micro `config/**/*_test.go`), ported where microconf has a counterpart; each test
// names the Go test it ports. Where microconf decides differently, the test checks microconf's behavior and says
// why; README's "Coming from Go Config" has the same list.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConfig, envSource, fileSource, flagsSource, memorySource, type MemorySource } from '../src/index.ts';
import { eventually } from './helpers/events.ts';
import { tempDir } from './helpers/files.ts';

describe('config (default_test.go)', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('TestConfigCloseConcurrentIdempotent: with watchers disabled, many concurrent closes, then one more, all resolve', async () => {
    const config = await createConfig({ watch: false, sources: [memorySource({ a: 1 })] });
    await Promise.all(Array.from({ length: 64 }, () => config.close()));
    await config.close();
    expect(config.get('a').int(0)).toBe(1);
  });

  it('TestConfigLoadWithGoodFile: a JSON file loads', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, '{"foo": "bar"}');
    const config = await createConfig();
    await config.load(fileSource(path));
    expect(config.get('foo').string()).toBe('bar');
    await config.close();
  });

  it('TestConfigLoadWithInvalidFile: a missing file rejects load() with an error naming it', async () => {
    const config = await createConfig();
    const failure = await config.load(fileSource('/i/do/not/exists.json')).catch((error: unknown) => error);
    expect(String(failure)).toContain('/i/do/not/exists.json');
    await config.close();
  });

  it('TestConfigMerge (go-config#18): the environment merges deeply into a file', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, JSON.stringify({ amqp: { host: 'rabbit.platform', port: 80 }, handler: { exchange: 'springCloudBus' } }));
    const config = await createConfig();
    await config.load(fileSource(path), envSource({ env: { AMQP_HOST: 'rabbit.testing.com' } }));
    expect(config.get('amqp', 'host').string('backup')).toBe('rabbit.testing.com');
    expect(config.get('amqp.port').int(0)).toBe(80);
    expect(config.get('handler.exchange').string()).toBe('springCloudBus');
    await config.close();
  });

  it('TestConfigWatcherDirtyOverrite: 100 memory sources loaded one by one, every key readable, no listener warning', async () => {
    const sources: MemorySource[] = Array.from({ length: 100 }, (_, i) => memorySource(`{"key${i}": "val${i}"}`, { name: `memory${i}` }));
    const config = await createConfig();
    for (const source of sources) await config.load(source);
    for (let i = 0; i < sources.length; i++) expect(config.get(`key${i}`).string('')).toBe(`val${i}`);
    // Every source is followed: a change to each arrives.
    sources.forEach((source, i) => source.replace(`{"key${i}": "changed${i}"}`));
    await eventually(() => {
      for (let i = 0; i < sources.length; i++) expect(config.get(`key${i}`).string('')).toBe(`changed${i}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    await config.close();
  });
});

describe('reader (reader/json/*_test.go, reader/preprocessor_test.go)', () => {
  it('TestReader: a document merged with an empty one; paths of literal segments', async () => {
    const config = await createConfig({ sources: [memorySource('{"foo": "bar", "baz": {"bar": "cat"}}'), memorySource('', { name: 'empty' })] });
    expect(config.get(['foo']).string()).toBe('bar');
    expect(config.get('baz', 'bar').string()).toBe('cat');
    await config.close();
  });

  it('TestValues: scan() of a leaf', async () => {
    const config = await createConfig({ sources: [memorySource('{"foo": "bar", "baz": {"bar": "cat"}}')] });
    expect(config.get('foo').scan()).toBe('bar');
    expect(config.get('baz', 'bar').scan()).toBe('cat');
    await config.close();
  });

  it('TestStructArray: a document that is a list is refused (Go reads it into Values; a layer must be an object here)', async () => {
    await expect(createConfig({ sources: [memorySource('[{"foo": "bar"}]')] })).rejects.toMatchObject({ code: 'NOT_OBJECT' });
  });

  it.each([
    ['${myBar}', 'cat'],
    ['${MYBAR}', 'cat'],
    ['${my_Bar}', 'cat'],
    ['${myBar_}', 'cat'],
    ['${myBar-}', '${myBar-}'],
    ['${}', '${}'],
    ['$sss}', '$sss}'],
    ['${sss', '${sss'],
    ['{something}', '{something}'],
    ['cat', 'cat'],
  ])('TestReplaceEnvVars: %s → %s', async (written, expected) => {
    const env = { myBar: 'cat', MYBAR: 'cat', my_Bar: 'cat', myBar_: 'cat' };
    const config = await createConfig({ env, sources: [memorySource(JSON.stringify({ foo: 'bar', baz: { bar: written } }))] });
    expect(config.map()).toEqual({ foo: 'bar', baz: { bar: expected } });
    await config.close();
  });
});

describe('sources (source/*/*_test.go)', () => {
  it('TestEnv_Read: variables nest on _, values as written', async () => {
    const datasource = 'user:password@tcp(localhost:port)/db?charset=utf8mb4&parseTime=True&loc=Local';
    const env = { DATABASE_HOST: 'localhost', DATABASE_PASSWORD: 'password', DATABASE_DATASOURCE: datasource };
    const read = await envSource({ env }).read();
    expect(read.data).toEqual({ database: { host: 'localhost', password: 'password', datasource } });
  });

  it.each([
    [{ prefix: ['APP', 'MICRO'] }, ['app', 'micro']],
    [{ prefix: 'MICRO', strippedPrefix: 'APP' }, ['database', 'micro']],
  ])('TestEnvvar_Prefixes: %j keeps only %j at the top', async (options, keys) => {
    const env = { APP_DATABASE_HOST: 'localhost', APP_DATABASE_PASSWORD: 'password', VAULT_ADDR: 'vault:1337', MICRO_REGISTRY: 'mdns' };
    const read = await envSource({ ...options, env }).read();
    expect(Object.keys(read.data as object).sort()).toEqual(keys);
  });

  it('TestEnvvar_WatchNextNoOpsUntilStop: the environment alone has no watch (it is read again by sync())', () => {
    expect(envSource({ strippedPrefix: 'GOMICRO_' }).watch).toBeUndefined();
  });

  it('TestFile: read() hands over the file as it is', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, '{"foo": "bar"}');
    const read = await fileSource(path).read();
    expect(read.data).toBe('{"foo": "bar"}');
    expect(read.format).toBe('json');
  });

  it('TestConfig (file): closing twice at once is harmless', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, '{"foo": "bar"}');
    const config = await createConfig({ sources: [fileSource(path)] });
    await Promise.all([config.close(), config.close()]);
  });

  it.each([
    ['bar.json', 'json'],
    ['bar.yaml', 'yaml'],
    ['bar.YML', 'yaml'],
    ['bar.JSON5', 'json5'],
  ])('TestFormat: %s → %s (the extension, case-insensitively)', async (name, format) => {
    const path = join(await tempDir(), name);
    await writeFile(path, '{}');
    expect((await fileSource(path).read()).format).toBe(format);
  });

  it.each(['/foo/bar.xml', '/foo/bar.conf.ini', 'conf'])(
    'TestFormat: %s has no decoder, an error naming the file on its first read (Go falls back to JSON and fails later, or parses it as JSON)',
    async (path) => {
      // Without an extension at once; with one, when read: the config's encoders may decode it.
      const failure = await Promise.resolve()
        .then(() => fileSource({ path, optional: true }).read())
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'FORMAT', path });
    },
  );

  it('TestWatcher: a watch yields the rewritten file, never the unchanged content first', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, '{"foo": "bar"}');
    const source = fileSource({ path, debounce: 0 });
    await source.read();
    const iterator = source.watch!()[Symbol.asyncIterator]();
    const next = iterator.next();
    // The watch gets ready at some point, unseen: rewrite, the same content and new content in turn, until it
    // yields. Whenever it got ready, the first thing it yields must be the new content.
    let settled = false;
    void next.then(() => (settled = true));
    for (let i = 0; !settled; i++) {
      await writeFile(path, i % 2 === 0 ? '{"foo": "bar"}' : '{"foo": "baz"}');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await next).value?.data).toBe('{"foo": "baz"}');
    await iterator.return?.();
    await source.close?.();
  });

  it('TestWatcherStop: stopping a watch ends it at once', async () => {
    const path = join(await tempDir(), 'file.json');
    await writeFile(path, '{"foo": "bar"}');
    const source = fileSource(path);
    const stop = new AbortController();
    const iterator = source.watch!(stop.signal)[Symbol.asyncIterator]();
    const next = iterator.next();
    stop.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    await source.close?.();
  });

  it('TestFlagsrc_Read and the cli source test: set flags nest on -, one dash or two', async () => {
    const config = await createConfig({ sources: [flagsSource({ argv: ['-database-host', 'localhost', '--database-password=some-password', '-db-host', 'h'] })] });
    expect(config.get('database').scan()).toEqual({ host: 'localhost', password: 'some-password' });
    expect(config.get('database.user').exists()).toBe(false);
    expect(config.get('db.host').string()).toBe('h');
    await config.close();
  });
});
