// Ways a secret could get out: an error quoting the document (in its message, its cause or how it prints), a secret
// pattern that misses a key holding a dot, a Value printed by a watcher, and `${VAR}` copying the service's
// environment into values written by others. Every printed form is checked: message, String, util.inspect, JSON.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, createChangeSet, createConfig, envSource, fileSource, flagsSource, memorySource, type Config } from '../../src/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { eventually, nextError } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { runScript } from '../helpers/process.ts';
import { storeBackends, useStores } from '../helpers/stores.ts';

const SECRET = 'hunter2';
const cli = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

/** Every way an error or a value may be printed. */
function printed(thing: unknown): string {
  const error = thing as { message?: unknown; cause?: unknown };
  return [String(thing), inspect(thing, { depth: 10 }), JSON.stringify(thing) ?? '', String(error?.message ?? ''), inspect(error?.cause, { depth: 10 })].join('\n');
}

describe('decode errors never carry the document', () => {
  it.each([
    ['yaml', `user: admin\npassword: *${SECRET}\n`],
    ['yaml', `password: "${SECRET}\\q"\n`],
    ['yaml', `password: @${SECRET}\n`],
    ['yaml', `password: !${SECRET} x\nother: [1\n`],
    ['yaml', `a: [1\npassword: ${SECRET}\n`],
    ['yaml', `password: ${SECRET}\npassword: again\n`],
    ['toml', `password = "${SECRET}\n`],
    ['toml', `password = ${SECRET}\n`],
    ['json', `{"password": ${SECRET}}`],
    ['json', `{"password": "${SECRET}",}`],
    ['json', `{"password": "${SECRET}"} x`],
  ])('%s: %j', async (format, text) => {
    const error = await decodeChangeSet(createChangeSet('file:secret', format, text), { limits: { maxBytes: 1 << 20, maxDepth: 64 }, env: undefined }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).line).toBeGreaterThan(0);
    expect(printed(error)).not.toContain(SECRET);
  });

  it('in the events of a watched file and in what the command prints', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'user: admin\n');
    const config = await createConfig({ sources: [fileSource(path)] });
    const failed = nextError(config);
    await writeFile(path, `user: admin\npassword: *${SECRET}\n`);
    const error = await failed;
    expect(error.message).toMatch(/invalid yaml: an alias refers to no anchor at line 2, column 11/);
    expect(printed(error)).not.toContain(SECRET);
    await config.close();
    const { code, stderr, stdout } = await runScript(cli, { args: ['get', 'user', '--file', path] });
    expect(code).toBe(3);
    expect(stderr).toContain('an alias refers to no anchor');
    expect(stdout + stderr).not.toContain(SECRET);
  }, 60_000);
});

describe('secrets are redacted wherever they are printed', () => {
  async function secretConfig(data: Record<string, unknown>, secret: string[]): Promise<{ config: Config; source: ReturnType<typeof memorySource> }> {
    const source = memorySource(data);
    return { config: await createConfig({ sources: [source], secret }), source };
  }

  it('a pattern with a dot also hides a key that holds the dot', async () => {
    const { config, source } = await secretConfig({ 'db.password': SECRET, db: { password: SECRET }, services: { 'a.b': { key: SECRET } } }, [
      'db.password',
      'services.**.key',
    ]);
    expect(config.explain(['db.password']).value).toBe('[redacted]');
    expect(config.explain('db').leaves?.map((leaf) => leaf.value)).toEqual(['[redacted]']);
    expect(printed(config.explain([]))).not.toContain(SECRET);
    const events: unknown[] = [];
    config.on('change', (event) => events.push(event));
    source.replace({ 'db.password': `${SECRET}-new`, db: { password: `${SECRET}-new` }, services: { 'a.b': { key: `${SECRET}-new` } } });
    await eventually(() => expect(events).toHaveLength(1));
    expect(printed(events[0])).not.toContain(SECRET);
    // The program itself still reads the real value.
    expect(config.get(['db.password']).string()).toBe(`${SECRET}-new`);
    await config.close();
  });

  it('a Value handed to a watcher, or read with get(), prints no value at all', async () => {
    const { config, source } = await secretConfig({ db: { password: SECRET } }, ['db.password']);
    const seen: unknown[] = [];
    config.watch('db').on('change', (value, change) => seen.push(value, change));
    source.set('db.password', `${SECRET}-new`);
    await eventually(() => expect(seen).toHaveLength(2));
    expect(printed(seen[0])).not.toContain(SECRET);
    expect(printed(seen[1])).not.toContain(SECRET);
    expect(printed(config.get('db'))).not.toContain(SECRET);
    expect(String(config.get('db'))).toBe('[Value object]');
    expect(JSON.stringify({ password: config.get('db.password') })).toBe('{"password":"[Value string]"}');
    await config.close();
  });
});

describe('${VAR} is a feature of documents you author', () => {
  const env = { SECRET, HOME_DIR: '/home/app' };

  it('is expanded in files and memory sources, and nowhere with expandEnv: false', async () => {
    const path = join(await tempDir(), 'config.json');
    await writeFile(path, '{"home": "${HOME_DIR}/data"}');
    const config = await createConfig({ sources: [fileSource(path), memorySource({ memory: '${HOME_DIR}' })], env });
    expect(config.get('home').string()).toBe('/home/app/data');
    expect(config.get('memory').string()).toBe('/home/app');
    await config.close();
    const off = await createConfig({ sources: [fileSource(path)], env, expandEnv: false });
    expect(off.get('home').string()).toBe('${HOME_DIR}/data');
    await off.close();
  });

  it('leaves environment and flag values literal: a password holding ${ stays intact', async () => {
    const config = await createConfig({
      sources: [envSource({ env: { DB_PASSWORD: 'pa${ss}word', TOKEN: '${SECRET}' } }), flagsSource({ argv: ['--flag-token=${SECRET}'] })],
      env,
    });
    expect(config.get('db.password').string()).toBe('pa${ss}word');
    expect(config.get('token').string()).toBe('${SECRET}');
    expect(config.get('flag.token').string()).toBe('${SECRET}');
    await config.close();
  });
});

describe.each(storeBackends)('$name values', (backend) => {
  const fresh = useStores(backend);
  const { available } = backend;

  it.runIf(available)('cannot copy the environment into the config, unless the source opts in', async () => {
    const store = fresh();
    try {
      await store.put('token', '${SECRET}');
      await store.put('doc.yaml', 'key: ${SECRET}\n');
      const literal = await createConfig({ sources: [store.source()], env: { SECRET } });
      expect(literal.get('token').string()).toBe('${SECRET}');
      expect(literal.get('doc.key').string()).toBe('${SECRET}');
      await literal.close();
      const expanded = await createConfig({ sources: [store.source({ expandEnv: true })], env: { SECRET } });
      expect(expanded.get('token').string()).toBe(SECRET);
      expect(expanded.get('doc.key').string()).toBe(SECRET);
      await expanded.close();
    } finally {
      await store.close();
    }
  }, 60_000);
});
