import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, envSource, type Config, type ConfigError, type EnvSourceOptions } from '../../src/index.ts';
import { nextChange, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

async function readEnv(options: EnvSourceOptions): Promise<unknown> {
  const changeSet = await envSource(options).read();
  return changeSet.data;
}

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

describe('envSource mapping', () => {
  it.each<[Record<string, string>, EnvSourceOptions, unknown]>([
    [{ DATABASE_SERVER_HOST: 'h' }, {}, { database: { server: { host: 'h' } } }],
    [{ Mixed_Case: 'x' }, {}, { mixed: { case: 'x' } }],
    [{ A__B: '1', _LEAD: '2', TRAIL_: '3' }, {}, { a: { b: '1' }, lead: '2', trail: '3' }],
    [{ PORT: '007', FLAG: 'true' }, {}, { port: '007', flag: 'true' }],
    [{ 'A.B': 'x' }, {}, { 'a.b': 'x' }],
    [{ MICRO_REGISTRY: 'mdns', OTHER: 'x', MICROSCOPE: 'y' }, { prefix: 'MICRO' }, { micro: { registry: 'mdns' } }],
    [{ MICRO_REGISTRY: 'mdns', OTHER: 'x' }, { strippedPrefix: 'MICRO_' }, { registry: 'mdns' }],
    [{ A_X: '1', B_Y: '2', C_Z: '3' }, { prefix: ['A', 'B'] }, { a: { x: '1' }, b: { y: '2' } }],
    [{ A_X: '1', B_Y: '2', C_Z: '3' }, { prefix: 'A', strippedPrefix: 'B' }, { a: { x: '1' }, y: '2' }],
    [{ APP_X: '1' }, { prefix: 'APP', strippedPrefix: 'APP' }, { x: '1' }],
    [
      { MICRO__REGISTRY_ADDRESS: '127.0.0.1:8500', MICRO__REGISTRY: 'consul' },
      { strippedPrefix: 'MICRO', separator: '__' },
      { registry_address: '127.0.0.1:8500', registry: 'consul' },
    ],
    [{ FOO: '1', FOO_BAR: '2' }, {}, { foo: { bar: '2' } }],
    [{ FOO_BAR: '2', FOO: '1' }, {}, { foo: { bar: '2' } }],
    [{ __PROTO___POLLUTED: 'x', CONSTRUCTOR_PROTOTYPE_X: 'y' }, {}, { proto: { polluted: 'x' } }],
  ])('%j with %j → %j', async (env, options, expected) => {
    expect(await readEnv({ ...options, env })).toEqual(expected);
  });

  it('resolves two names for one path deterministically (the later name in sort order wins)', async () => {
    expect(await readEnv({ env: { foo_bar: 'lower', FOO_BAR: 'upper' } })).toEqual({ foo: { bar: 'lower' } });
    expect(await readEnv({ env: { FOO_BAR: 'upper', foo_bar: 'lower' } })).toEqual({ foo: { bar: 'lower' } });
  });

  it('keeps values as strings and lets the accessors convert', async () => {
    const config = await createConfig({ sources: [envSource({ env: { APP_PORT: '007', APP_ON: 'true', APP_TTL: '5s', APP_HOSTS: 'a, b' }, strippedPrefix: 'APP' })] });
    open.push(config);
    expect(config.get('port').string()).toBe('007');
    expect(config.get('port').int(0)).toBe(7);
    expect(config.get('on').bool(false)).toBe(true);
    expect(config.get('ttl').duration(0)).toBe(5000);
    expect(config.get('hosts').stringSlice()).toEqual(['a', 'b']);
  });
});

describe('envSource limits', () => {
  it('refuses more variables than maxValues, and a name nesting deeper than maxDepth, before building the layer', async () => {
    const env = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`K${i}`, 'v']));
    // The source itself refuses: before, it sorted and built every variable, and the config refused the layer after.
    await expect(envSource({ env }).read(undefined, { maxValues: 1000 })).rejects.toMatchObject({ code: 'LIMIT', source: 'env' });
    await expect(envSource({ env: { BIG: 'x'.repeat(2000) } }).read(undefined, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'LIMIT', source: 'env' });
    const deep = `${'A_'.repeat(500_000)}B`;
    const error = await envSource({ env: { [deep]: 'secret' } }).read(undefined, { maxDepth: 64 }).then(
      () => undefined,
      (caught: unknown) => caught as ConfigError,
    );
    expect(error).toMatchObject({ code: 'LIMIT', source: 'env' });
    expect(error!.message).toBe(`env: ${'A_'.repeat(32)}… nests more than 64 levels (maxDepth)`);
    expect(error!.message).not.toContain('secret');
  });

  it('refuses nothing the layer would hold within the limits', async () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`K${i}`, 'v']));
    expect(Object.keys((await envSource({ env: nine }).read(undefined, { maxValues: 10 })).data as object)).toHaveLength(9);
    const deepest = `${'A_'.repeat(63)}B`;
    const config = await createConfig({ sources: [envSource({ env: { [deepest]: '1', OTHER: 'x'.repeat(100) } })], maxBytes: 1000 });
    open.push(config);
    expect(config.get([...Array<string>(63).fill('a'), 'b']).string()).toBe('1');
  });
});

describe('envSource .env files', () => {
  it('reads .env files beneath the environment without touching process.env', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), 'APP_DB_HOST=from-file\nAPP_DB_PORT=5432\nAPP_ONLY_FILE="quoted value"\n');
    await writeFile(join(dir, '.env.local'), 'APP_DB_PORT=6543\n');
    const before = { ...process.env };
    const data = await readEnv({
      files: [join(dir, '.env'), join(dir, '.env.local'), join(dir, 'missing.env')],
      strippedPrefix: 'APP',
      env: { APP_DB_HOST: 'from-env' },
    });
    expect(data).toEqual({ db: { host: 'from-env', port: '6543' }, only: { file: 'quoted value' } });
    expect(process.env).toEqual(before);
  });

  it('reads a .env file over 1 MiB, which the file source hands over as bytes, as it reads a small one', async () => {
    const dir = await tempDir();
    const file = join(dir, '.env');
    await writeFile(file, `APP_A=é\nAPP_PAD=${'x'.repeat(1024 * 1024)}\n`);
    const data = (await readEnv({ file, strippedPrefix: 'APP', env: {} })) as { a: string; pad: string };
    expect(data.a).toBe('é');
    expect(data.pad).toHaveLength(1024 * 1024);
  });

  it('copies .env variables into process.env only when asked, never overriding', async () => {
    const dir = await tempDir();
    const file = join(dir, '.env');
    await writeFile(file, 'MICROCONF_TEST_POPULATE=file\nMICROCONF_TEST_EXISTING=file\n');
    process.env.MICROCONF_TEST_EXISTING = 'env';
    try {
      await envSource({ file, prefix: 'MICROCONF_TEST', populate: true }).read();
      expect(process.env.MICROCONF_TEST_POPULATE).toBe('file');
      expect(process.env.MICROCONF_TEST_EXISTING).toBe('env');
    } finally {
      delete process.env.MICROCONF_TEST_POPULATE;
      delete process.env.MICROCONF_TEST_EXISTING;
    }
  });

  it('follows a .env file: an edit publishes a change', async () => {
    const dir = await tempDir();
    const file = join(dir, '.env');
    await writeFile(file, 'APP_GREETING=hello\n');
    const config = await createConfig({ sources: [envSource({ file, strippedPrefix: 'APP', env: {} })] });
    open.push(config);
    expect(config.get('greeting').string()).toBe('hello');
    const change = nextChange(config);
    await writeFile(file, 'APP_GREETING=bonjour\n');
    expect((await change).changes).toMatchObject([{ path: 'greeting', previous: 'hello', current: 'bonjour' }]);
    expect(await readFile(file, 'utf8')).toContain('bonjour');
  });

  it('reports a bad write of a .env file once, and its watch goes on to the next good one', async () => {
    const dir = await tempDir();
    const file = join(dir, '.env');
    await writeFile(file, 'APP_GREETING=hello\n');
    const source = envSource({ file, strippedPrefix: 'APP', env: {} });
    const config = await createConfig({ sources: [source] });
    open.push(config);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    await settle(200);
    const failed = nextError(config);
    await writeFile(file, Buffer.from('APP_GREETING=\xff\n', 'latin1'));
    expect(await failed).toMatchObject({ code: 'DECODE', source: `env:${file}` });
    // Time for a watch ended by the failure to be created again and read the source (50 ms), as it was.
    await settle(300);
    const change = nextChange(config);
    await writeFile(file, 'APP_GREETING=bonjour\n');
    await change;
    expect(config.get('greeting').string()).toBe('bonjour');
    expect(errors).toHaveLength(1);
  });

  it("rejects one read of its watch for a bad write, and the watch's next read is the next good write", async () => {
    const dir = await tempDir();
    const file = join(dir, '.env');
    await writeFile(file, 'A=1\n');
    const source = envSource({ file, env: {} });
    await source.read();
    const watch = source.watch!()[Symbol.asyncIterator]();
    try {
      const first = watch.next();
      await settle(200);
      await writeFile(file, Buffer.from('A=\xff\n', 'latin1'));
      await expect(first).rejects.toMatchObject({ code: 'DECODE' });
      const second = watch.next();
      await writeFile(file, 'A=2\n');
      // An async generator that throws is finished: its next read was `done`, and the file no longer followed.
      expect(await second).toMatchObject({ done: false, value: { data: { a: '2' } } });
    } finally {
      await watch.return?.();
      await source.close?.();
    }
  });
});
