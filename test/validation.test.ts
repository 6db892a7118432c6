import { inspect } from 'node:util';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, createChangeSet, createConfig, envSource, memorySource, type ChangeSet, type Config, type StandardSchemaV1 } from '../src/index.ts';
import { nextError, settle } from './helpers/events.ts';

const open: Config<unknown>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

const schema = z.object({
  server: z.object({ port: z.coerce.number().int().min(1).max(65535), host: z.string() }),
  registry: z.enum(['mdns', 'memory', 'consul', 'etcd']),
});

describe('validation with a Standard Schema', () => {
  it('returns the validated, coerced and typed value from scan()', async () => {
    const config = await createConfig({
      schema,
      defaults: { server: { host: '127.0.0.1' }, registry: 'mdns' },
      sources: [envSource({ env: { APP_SERVER_PORT: '8080' }, strippedPrefix: 'APP' })],
    });
    open.push(config);
    const value = config.scan();
    expectTypeOf(value).toEqualTypeOf<z.output<typeof schema>>();
    expect(value).toEqual({ server: { port: 8080, host: '127.0.0.1' }, registry: 'mdns' });
    expect(config.get('server.port').raw()).toBe('8080');
  });

  it('refuses an invalid reload with each issue, its path and its source, and keeps the last good snapshot', async () => {
    const runtime = memorySource({ server: { port: 80, host: 'a' }, registry: 'mdns' }, { name: 'runtime' });
    const config = await createConfig({ schema, sources: [runtime] });
    open.push(config);
    const changes: unknown[] = [];
    config.on('change', (event) => changes.push(event));
    const error = nextError(config);
    runtime.replace({ server: { port: 'eighty', host: 'a' }, registry: 'zookeeper' });
    const refused = await error;
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.code).toBe('VALIDATION');
    expect(refused.source).toBe('runtime');
    expect(refused.issues?.map((issue) => [issue.path, issue.source])).toEqual([
      ['server.port', 'runtime'],
      ['registry', 'runtime'],
    ]);
    expect(refused.message).toMatch(/^runtime: invalid configuration, not applied: server\.port: .+ \(from runtime\); registry: .+ \(from runtime\)$/);
    await settle();
    expect(changes).toEqual([]);
    expect(config.get('server.port').int(0)).toBe(80);
    expect(config.snapshot().version).toBe(1);
    // The next good write goes through.
    runtime.replace({ server: { port: 81, host: 'a' }, registry: 'etcd' });
    await settle();
    expect(config.get('registry').string()).toBe('etcd');
    expect(config.scan()).toEqual({ server: { port: 81, host: 'a' }, registry: 'etcd' });
  });

  it('tells a source which of its change sets were published, never one the schema refused', async () => {
    const runtime = memorySource({ server: { port: 80, host: 'a' }, registry: 'mdns' }, { name: 'runtime' });
    const accepted: unknown[] = [];
    const source = { ...runtime, accepted: (changeSet: ChangeSet) => accepted.push(changeSet.data) };
    const config = await createConfig({ schema, sources: [source] });
    open.push(config);
    expect(accepted).toEqual([{ server: { port: 80, host: 'a' }, registry: 'mdns' }]);
    const error = nextError(config);
    runtime.replace({ server: { port: 'eighty', host: 'a' }, registry: 'mdns' });
    await error;
    runtime.replace({ server: { port: 81, host: 'a' }, registry: 'mdns' });
    await settle();
    expect(accepted).toEqual([
      { server: { port: 80, host: 'a' }, registry: 'mdns' },
      { server: { port: 81, host: 'a' }, registry: 'mdns' },
    ]);
  });

  it('tells a source read by sync() of a new layer once, and of an unchanged one never again', async () => {
    let data = { registry: 'mdns' };
    const told: unknown[] = [];
    const polled = {
      name: 'polled',
      read: async () => createChangeSet('polled', 'object', data),
      accepted: (changeSet: ChangeSet) => told.push(changeSet.data),
    };
    const config = await createConfig({ sources: [polled] });
    open.push(config);
    await config.sync();
    expect(told).toEqual([{ registry: 'mdns' }]);
    data = { registry: 'etcd' };
    await config.sync();
    await config.sync();
    expect(told).toEqual([{ registry: 'mdns' }, { registry: 'etcd' }]);
  });

  it('reports a source whose accepted() throws, and goes on', async () => {
    const runtime = memorySource({ registry: 'mdns' }, { name: 'runtime' });
    let calls = 0;
    const source = {
      ...runtime,
      accepted: () => {
        calls++;
        if (calls > 1) throw new Error('disk full');
      },
    };
    const config = await createConfig({ sources: [source] });
    open.push(config);
    const error = nextError(config);
    runtime.replace({ registry: 'etcd' });
    expect((await error).message).toMatch(/runtime.*disk full/);
    expect(config.get('registry').string()).toBe('etcd');
  });

  it('rejects createConfig when the configuration is invalid at start, naming the source', async () => {
    const error = (await createConfig({
      schema,
      defaults: { server: { host: 'a' }, registry: 'mdns' },
      sources: [memorySource({ server: { port: 0 } }, { name: 'file:app.yaml' })],
    }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([{ path: 'server.port', message: expect.any(String), source: 'file:app.yaml' }]);
    const missing = (await createConfig({ schema, defaults: { registry: 'mdns' } }).catch((e: unknown) => e)) as ConfigError;
    expect(missing.issues?.[0]).toMatchObject({ path: 'server', source: undefined });
  });

  it('refuses a sync() whose result is invalid and keeps every last good layer', async () => {
    let text = '{"server":{"port":1,"host":"a"},"registry":"mdns"}';
    const config = await createConfig({
      schema,
      sources: [{ name: 'remote', read: async () => ({ data: text, format: 'json', checksum: text, source: 'remote', timestamp: 0 }) }],
    });
    open.push(config);
    text = '{"server":{"port":-1,"host":"a"},"registry":"mdns"}';
    await expect(config.sync()).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(config.get('server.port').int(0)).toBe(1);
  });
});

describe("a schema's output", () => {
  it('is copied by scan() without losing what a transform made: instances stay themselves, plain data is copied', async () => {
    class Pool {
      constructor(readonly size: number) {}
    }
    const handler = () => 'handled';
    const output = z.object({
      url: z.string().transform((text) => new URL(text)),
      since: z.string().transform((text) => new Date(text)),
      pool: z.number().transform((size) => new Pool(size)),
      onError: z.any().default(() => handler),
      tags: z.array(z.string()).transform((tags) => new Set(tags)),
      nested: z.object({ port: z.coerce.number() }),
    });
    const config = await createConfig({ schema: output, sources: [memorySource({ url: 'http://db:5432/app', since: '2020-01-02', pool: 4, tags: ['a'], nested: { port: '80' } })] });
    open.push(config);
    // Before: structuredClone made the URL and the Pool `{}` and plain objects, and a function threw (DataCloneError).
    const scanned = config.scan();
    expect(scanned.url).toBeInstanceOf(URL);
    expect(scanned.url.href).toBe('http://db:5432/app');
    expect(scanned.pool).toBeInstanceOf(Pool);
    expect(scanned.pool.size).toBe(4);
    expect(scanned.onError).toBe(handler);
    expect(scanned.since).toBeInstanceOf(Date);
    expect(scanned.since.getTime()).toBe(Date.parse('2020-01-02'));
    expect([...scanned.tags]).toEqual(['a']);
    // Plain data and the values it can copy are the caller's own, mutable, and changing them changes nothing read.
    scanned.nested.port = 1;
    scanned.since.setTime(0);
    scanned.tags.add('b');
    expect(config.scan().nested.port).toBe(80);
    expect(config.scan().since.getTime()).toBe(Date.parse('2020-01-02'));
    expect([...config.scan().tags]).toEqual(['a']);
    expect(Object.isFrozen(scanned)).toBe(false);
  });

  it('that cannot be read (a getter or a proxy that throws) refuses the configuration with a ConfigError', async () => {
    const getter = z.object({ g: z.any().default(() => ({ get x() { throw new Error('boom'); } })) });
    const trap = z.object({ p: z.any().default(() => new Proxy({}, { ownKeys() { throw new Error('trap'); } })) });
    for (const hostile of [getter, trap] as z.ZodType[]) {
      const error = await createConfig({ schema: hostile, sources: [memorySource({})] }).then(
        (config) => {
          open.push(config);
          return undefined;
        },
        (caught: unknown) => caught,
      );
      // Before: the getter's own Error rejected createConfig.
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'VALIDATION' });
    }
  });
});

describe('secrets', () => {
  it('never prints a secret: explain, printed changes and validation errors show [redacted] or nothing', async () => {
    const runtime = memorySource(
      { database: { host: 'db', password: 'hunter2-s3cret' }, services: { mail: { token: 'tok-s3cret' } }, registry: 'mdns' },
      { name: 'runtime' },
    );
    const config = await createConfig({
      secret: ['database.password', '**.token'],
      defaults: { database: { password: 'default-s3cret' } },
      schema: z.object({ database: z.object({ password: z.string().min(3) }).passthrough() }).passthrough(),
      sources: [runtime],
    });
    open.push(config);
    const printed: string[] = [];
    config.on('change', (event) => printed.push(JSON.stringify(event), inspect(event, { depth: 10 }), String(event.changes[0])));
    config.on('error', (error) => printed.push(error.message, inspect(error)));
    config.watch('database').on('change', (_value, change) => printed.push(JSON.stringify(change), inspect(change, { depth: 10 })));
    printed.push(JSON.stringify(config.explain('database')), inspect(config.explain(), { depth: 10 }), JSON.stringify(config.explain('services.mail.token')));
    runtime.set('database.password', 'next-s3cret');
    runtime.set('services.mail.token', 'tok2-s3cret');
    runtime.set('database.password', 'no');
    await settle(50);
    const all = printed.join('\n');
    expect(all).toContain('[redacted]');
    expect(all).not.toMatch(/s3cret/);
    expect(all).not.toMatch(/"no"/);
    // The values themselves stay readable by the program.
    expect(config.get('database.password').string()).toBe('next-s3cret');
    expect(config.explain('registry').value).toBe('mdns');
  });
});

describe("a schema's message that quotes the value it refused", () => {
  it('is withheld, in a refused reload and in a read: valibot and arktype quote the value, zod does not', async () => {
    const { object, number, picklist } = await import('valibot');
    const { type } = await import('arktype');
    const schemas: Record<string, StandardSchemaV1> = {
      valibot: object({ db: object({ password: number() }), mode: picklist(['a', 'b']) }),
      arktype: type({ db: { password: 'number' }, mode: "'a' | 'b'" }),
      zod: z.object({ db: z.object({ password: z.number() }), mode: z.enum(['a', 'b']) }),
    };
    for (const [name, schema] of Object.entries(schemas)) {
      const runtime = memorySource({ db: { password: 1 }, mode: 'a' }, { name: 'runtime' });
      const config = await createConfig({ schema, sources: [runtime] });
      open.push(config);
      const error = nextError(config);
      runtime.replace({ db: { password: 'hunter3"\\x' }, mode: 'zookeeper' });
      const refused = await error;
      expect(refused.code, name).toBe('VALIDATION');
      expect(refused.message, name).not.toMatch(/hunter3|zookeeper/);
      for (const issue of refused.issues ?? []) expect(issue.message, name).not.toMatch(/hunter3|zookeeper/);
      expect(inspect(refused), name).not.toMatch(/hunter3|zookeeper/);
      // A read validated by the same schema says as little.
      const read = memorySource({ db: { password: 'hunter3"\\x' }, mode: 'zookeeper' });
      const unchecked = await createConfig({ sources: [read] });
      open.push(unchecked);
      const scanned = (() => {
        try {
          return unchecked.scan(schema);
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(scanned, name).toBeInstanceOf(ConfigError);
      expect((scanned as ConfigError).message, name).not.toMatch(/hunter3|zookeeper/);
    }
  });

  it("keeps a message that quotes nothing of the value: the path, the schema's words and the source", async () => {
    const { object, number } = await import('valibot');
    const runtime = memorySource({ port: 1 }, { name: 'runtime' });
    const config = await createConfig({ schema: object({ port: number() }), sources: [runtime] });
    open.push(config);
    const error = nextError(config);
    runtime.replace({ port: true });
    const refused = await error;
    expect(refused.issues).toEqual([{ path: 'port', message: expect.stringMatching(/Expected number/), source: 'runtime' }]);
  });
});

describe('scan(schema) on a value', () => {
  it('takes an arktype type (a function with ~standard) as a schema, not as a default', async () => {
    const { type } = await import('arktype');
    const config = await createConfig({ sources: [memorySource({ server: { port: '8080' } })] });
    open.push(config);
    expect(config.get('server').scan(type({ port: 'string.numeric.parse' }))).toEqual({ port: 8080 });
    expect(() => config.get('server').scan(type({ port: 'number' }))).toThrow(ConfigError);
  });
});
