// Typed reads with a zod schema. Each case pairs what the compiler says (expectTypeOf, @ts-expect-error: checked
// by `npm run typecheck`, which `npm test` runs first) with what the same read answers at run time.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createConfig,
  envSource,
  memorySource,
  type Change,
  type Config,
  type Explanation,
  type ReadonlyDeep,
  type Tree,
  type Value,
  type Watcher,
} from '../src/index.ts';
import { nextChange } from './helpers/events.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

const schema = z.object({
  registry: z.enum(['mdns', 'etcd']).default('mdns'),
  hosts: z.object({
    database: z.object({ host: z.string(), port: z.coerce.number().int() }),
    cache: z.object({ port: z.coerce.number() }).optional(),
    replica: z.object({ port: z.coerce.number() }).nullable(),
  }),
  services: z.record(z.string(), z.object({ url: z.string(), weight: z.coerce.number().default(1) })),
  peers: z.array(z.object({ host: z.string() })),
  mode: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), path: z.string() }),
    z.object({ kind: z.literal('url'), url: z.string() }),
  ]),
  timeout: z.union([z.number(), z.string()]),
  started: z.string().transform((text) => new Date(text)),
});

async function typed() {
  const runtime = memorySource({
    hosts: { database: { host: 'db' }, replica: null },
    services: { api: { url: 'http://api' } },
    peers: [{ host: 'a' }, { host: 'b' }],
    mode: { kind: 'file', path: '/etc/app' },
    timeout: '5s',
    started: '2024-01-02T03:04:05.000Z',
  });
  const config = await createConfig({
    schema,
    sources: [runtime, envSource({ env: { APP_HOSTS_DATABASE_PORT: '5432' }, strippedPrefix: 'APP' })],
  });
  open.push(config);
  return { config, runtime };
}

describe('a config typed by its schema', () => {
  it('reads a leaf as the schema types and coerces it, while raw() keeps what the source said', async () => {
    const { config } = await typed();
    const port = config.get('hosts.database.port');
    expectTypeOf(port).toEqualTypeOf<Value<number>>();
    expectTypeOf(port.value()).toEqualTypeOf<number>();
    expect(port.value()).toBe(5432);
    expect(port.raw()).toBe('5432');
    // The accessors are those of every Value, reading the merged tree.
    expect(port.int(0)).toBe(5432);
  });

  it('reads a schema default through value(), where the tree has nothing', async () => {
    const { config } = await typed();
    expectTypeOf(config.get('registry').value()).toEqualTypeOf<'mdns' | 'etcd'>();
    expect(config.get('registry').value()).toBe('mdns');
    expect(config.get('registry').exists()).toBe(false);
    expectTypeOf(config.get('services.api.weight').value()).toEqualTypeOf<number | undefined>();
    expect(config.get('services.api.weight').value()).toBe(1);
  });

  it('hands out a subtree frozen and shared, typed read-only', async () => {
    const { config } = await typed();
    const database = config.get('hosts.database').value();
    expectTypeOf(database).toEqualTypeOf<{ readonly host: string; readonly port: number }>();
    expect(database).toEqual({ host: 'db', port: 5432 });
    expect(Object.isFrozen(database)).toBe(true);
    expect(config.get('hosts.database').value()).toBe(database);
    expectTypeOf(config.get('peers').value()).toEqualTypeOf<readonly { readonly host: string }[]>();
    // scan() is still the copy of your own.
    const copy = config.get('hosts.database').scan();
    expect(Object.isFrozen(copy)).toBe(false);
  });

  it('takes literal segments and arrays of them, numbers indexing arrays', async () => {
    const { config } = await typed();
    expectTypeOf(config.get('hosts', 'database', 'port').value()).toEqualTypeOf<number>();
    expect(config.get('hosts', 'database', 'port').value()).toBe(5432);
    expectTypeOf(config.get(['peers', 1, 'host']).value()).toEqualTypeOf<string | undefined>();
    expect(config.get(['peers', 1, 'host']).value()).toBe('b');
    expectTypeOf(config.get('peers.0.host').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('peers.0.host').value()).toBe('a');
    expect(config.get('peers.7.host').value()).toBeUndefined();
  });

  it('accepts any segment below a record, and reads undefined where nothing is', async () => {
    const { config } = await typed();
    expectTypeOf(config.get('services.api.url').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('services.api.url').value()).toBe('http://api');
    expect(config.get('services', 'no such service', 'url').value()).toBeUndefined();
    const name: string = 'api';
    expectTypeOf(config.get(`services.${name}.url`).value()).toEqualTypeOf<string | undefined>();
    expect(config.get(`services.${name}.url`).value()).toBe('http://api');
  });

  it('types optional and nullable fields, and the paths through them, with undefined', async () => {
    const { config } = await typed();
    expectTypeOf(config.get('hosts.cache.port').value()).toEqualTypeOf<number | undefined>();
    expect(config.get('hosts.cache.port').value()).toBeUndefined();
    expectTypeOf(config.get('hosts.replica').value()).toEqualTypeOf<{ readonly port: number } | null>();
    expect(config.get('hosts.replica').value()).toBeNull();
    expectTypeOf(config.get('hosts.replica.port').value()).toEqualTypeOf<number | undefined>();
    expect(config.get('hosts.replica.port').value()).toBeUndefined();
  });

  it('types a union member by member: a key one member lacks reads as possibly undefined', async () => {
    const { config } = await typed();
    expectTypeOf(config.get('mode.kind').value()).toEqualTypeOf<'file' | 'url'>();
    expectTypeOf(config.get('mode.path').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('mode.path').value()).toBe('/etc/app');
    expect(config.get('mode.url').value()).toBeUndefined();
    expectTypeOf(config.get('timeout').value()).toEqualTypeOf<string | number>();
    expect(config.get('timeout').value()).toBe('5s');
  });

  it("hands out a transform's instance as it is, and takes no path into it", async () => {
    const { config } = await typed();
    const started = config.get('started').value();
    expectTypeOf(started).toEqualTypeOf<Date>();
    expect(started).toBeInstanceOf(Date);
    expect(started.getTime()).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    // @ts-expect-error a Date is a leaf: its methods are not configuration
    config.get('started.getTime');
  });

  it('refuses a path the schema does not have, at compile time; at run time it reads as missing', async () => {
    const { config } = await typed();
    // @ts-expect-error misspelled
    expect(config.get('hosts.databse.port').exists()).toBe(false);
    // @ts-expect-error misspelled literal segment
    expect(config.get('hosts', 'databse', 'port').exists()).toBe(false);
    // @ts-expect-error not an index
    expect(config.get(['peers', 'first']).exists()).toBe(false);
    // @ts-expect-error below a leaf
    expect(config.get('hosts.database.port.number').exists()).toBe(false);
    // @ts-expect-error not in the schema at all
    expect(config.watch('hosts.dtabase').path).toBe('hosts.dtabase');
    // @ts-expect-error explain takes the same paths
    expect(config.explain('registy').value).toBeUndefined();
    // Values read below take the same paths.
    const hosts = config.get('hosts');
    expectTypeOf(hosts.get('database.port').value()).toEqualTypeOf<number>();
    expect(hosts.get('database.port').value()).toBe(5432);
    // @ts-expect-error misspelled below a value
    expect(hosts.get('databse').exists()).toBe(false);
  });

  it('reads the root, and a path held in a plain string, untyped', async () => {
    const { config } = await typed();
    expectTypeOf(config.get().value()).toEqualTypeOf<ReadonlyDeep<z.output<typeof schema>>>();
    expect(config.get().value()).toMatchObject({ registry: 'mdns', hosts: { database: { port: 5432 } } });
    const path: string = 'hosts.database.port';
    expectTypeOf(config.get(path)).toEqualTypeOf<Value<unknown>>();
    expect(config.get(path).value()).toBe(5432);
  });

  it('explains the same paths, dotted or by segments', async () => {
    const { config } = await typed();
    expectTypeOf(config.explain('hosts.database.port')).toEqualTypeOf<Explanation>();
    expect(config.explain('hosts.database.port').source).toBe('env:APP_HOSTS_DATABASE_PORT');
    expect(config.explain('hosts', 'database', 'host').source).toBe('memory');
  });

  it("watches a subtree with its type; changes carry the sources' plain values, typed by the schema's input", async () => {
    const { config, runtime } = await typed();
    const watcher = config.watch('hosts.database');
    expectTypeOf(watcher).toEqualTypeOf<Watcher<{ host: string; port: number }, { host: string; port: unknown }>>();
    const heard: [ReadonlyDeep<{ host: string; port: number }>, Change<{ host: string; port: unknown }>][] = [];
    watcher.on('change', (value, change) => {
      expectTypeOf(value.value()).toEqualTypeOf<{ readonly host: string; readonly port: number }>();
      expectTypeOf(change.current).toEqualTypeOf<{ host: string; port: unknown } | undefined>();
      heard.push([value.value(), change]);
    });
    const iterator = watcher[Symbol.asyncIterator]();
    const changed = nextChange(config);
    runtime.set('hosts.database.host', 'db2');
    await changed;
    const next = await iterator.next();
    if (next.done) expect.fail('the watcher ended');
    expectTypeOf(next.value).toEqualTypeOf<Value<{ host: string; port: number }>>();
    expect(next.value.value()).toEqual({ host: 'db2', port: 5432 });
    expect(heard).toHaveLength(1);
    const [value, change] = heard[0]!;
    // value() is the schema's output; the change holds the merged data, the port still the env's string.
    expect(value).toEqual({ host: 'db2', port: 5432 });
    expect(change.previous).toEqual({ host: 'db', port: '5432' });
    expect(change.current).toEqual({ host: 'db2', port: '5432' });
    watcher.stop();
  });

  it('watches a leaf by segments with its type, and the root with no path', async () => {
    const { config, runtime } = await typed();
    const host = config.watch(['hosts', 'database', 'host']);
    expectTypeOf(host).toEqualTypeOf<Watcher<string, string>>();
    // z.coerce accepts anything: where the schema's input says nothing, a change holds any plain tree.
    expectTypeOf(config.watch('hosts.database.port')).toEqualTypeOf<Watcher<number, Tree>>();
    const root = config.watch();
    expectTypeOf(root).toEqualTypeOf<Watcher<z.output<typeof schema>, z.input<typeof schema>>>();
    const seen: unknown[] = [];
    const whole: unknown[] = [];
    host.on('change', (value, change) => seen.push(value.value(), change.previous, change.current));
    root.on('change', (value) => whole.push(value.value().hosts.database));
    const changed = nextChange(config);
    runtime.set('hosts.database.host', 'db3');
    await changed;
    expect(seen).toEqual(['db3', 'db', 'db3']);
    expect(whole).toEqual([{ host: 'db3', port: 5432 }]);
    root.stop();
    host.stop();
  });

  it('is assignable where an untyped Config is taken', async () => {
    const { config } = await typed();
    const untyped: Config = config;
    expectTypeOf(untyped.get('anything.at.all')).toEqualTypeOf<Value>();
    expect(untyped.get('hosts.database.port').value()).toBe(5432);
  });
});

describe('a config typed by createConfig<Shape>(), without a schema', () => {
  interface Shape {
    server: { address: string; ttl?: string };
    handlers: Record<string, { greeting: string }>;
  }

  it('types reads the same way and validates nothing', async () => {
    const config = await createConfig<Shape>({ defaults: { server: { address: ':8080' }, handlers: { popular: { greeting: 7 } } } });
    open.push(config);
    expectTypeOf(config).toEqualTypeOf<Config<Shape>>();
    expectTypeOf(config.get('server.address').value()).toEqualTypeOf<string>();
    expect(config.get('server.address').value()).toBe(':8080');
    expectTypeOf(config.get('server.ttl').value()).toEqualTypeOf<string | undefined>();
    // The shape is a promise the caller makes: nothing checks it, value() is the merged node itself.
    expect(config.get('handlers.popular.greeting').value()).toBe(7);
    expect(config.get('server').value()).toBe(config.get('server').raw());
    // @ts-expect-error not in the shape
    config.get('server.adress');
    const watcher = config.watch('server');
    expectTypeOf(watcher).toEqualTypeOf<Watcher<Shape['server'], Shape['server']>>();
    watcher.stop();
  });

  it('names numeric keys by their text', async () => {
    interface Ports {
      ports: { 80: string; 443: string };
      codes: Record<number, boolean>;
    }
    const config = await createConfig<Ports>({ defaults: { ports: { 80: 'http', 443: 'https' }, codes: { 404: true } } });
    open.push(config);
    expectTypeOf(config.get('ports.80').value()).toEqualTypeOf<string>();
    expect(config.get('ports.80').value()).toBe('http');
    expectTypeOf(config.get('ports', 443).value()).toEqualTypeOf<string>();
    expect(config.get('ports', 443).value()).toBe('https');
    expectTypeOf(config.get('codes.404').value()).toEqualTypeOf<boolean | undefined>();
    expect(config.get('codes.404').value()).toBe(true);
    // @ts-expect-error no such port
    config.get('ports.81');
  });

  it('refuses a schema together with an explicit shape', async () => {
    // @ts-expect-error an explicit shape takes no schema: a schema types the config by itself
    const config = await createConfig<Shape>({ schema: z.object({ server: z.object({ address: z.string() }) }), defaults: { server: { address: 'a' } } });
    open.push(config);
    expect(config.get('server.address').value()).toBe('a');
  });
});

describe('a config without a schema or a shape', () => {
  it('takes any path and reads untyped values, as it always has', async () => {
    const config = await createConfig({ defaults: { a: { b: [1, 2] } } });
    open.push(config);
    expectTypeOf(config).toEqualTypeOf<Config>();
    expectTypeOf(config.get('a.b.0')).toEqualTypeOf<Value>();
    expectTypeOf(config.get('a', 'b', 0)).toEqualTypeOf<Value>();
    expectTypeOf(config.get('anything').get('below.it')).toEqualTypeOf<Value>();
    expectTypeOf(config.get('a.b').value()).toEqualTypeOf<unknown>();
    expect(config.get('a.b.1').value()).toBe(2);
    expect(config.get('a.b').value()).toBe(config.get('a.b').raw());
    const segments: readonly (string | number)[] = ['a', 'b', 0];
    expect(config.get(...segments).int(0)).toBe(1);
    expect(config.get(segments).int(0)).toBe(1);
    const watcher = config.watch('a');
    expectTypeOf(watcher).toEqualTypeOf<Watcher>();
    watcher.on('change', (value, change) => {
      expectTypeOf(value).toEqualTypeOf<Value>();
      expectTypeOf(change).toEqualTypeOf<Change>();
      expectTypeOf(change.current).toEqualTypeOf<Tree | undefined>();
    });
    watcher.stop();
    expectTypeOf(config.scan()).toEqualTypeOf<Record<string, unknown>>();
  });
});
