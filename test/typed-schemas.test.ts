// The same typed reads with valibot and arktype: any Standard Schema types the config by its output.
import { type } from 'arktype';
import * as v from 'valibot';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createConfig, envSource, memorySource, type Tree, type Watcher } from '../src/index.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

const data = {
  hosts: { database: { host: 'db' }, replica: null },
  services: { api: { url: 'http://api' } },
  peers: [{ host: 'a' }],
  mode: { kind: 'url', url: 'http://x' },
};
const env = () => envSource({ env: { APP_HOSTS_DATABASE_PORT: '5432' }, strippedPrefix: 'APP' });

describe('valibot', () => {
  const schema = v.object({
    hosts: v.object({
      database: v.object({ host: v.string(), port: v.pipe(v.string(), v.transform(Number), v.integer()) }),
      cache: v.optional(v.object({ port: v.number() })),
      replica: v.nullable(v.object({ port: v.number() })),
    }),
    services: v.record(v.string(), v.object({ url: v.string() })),
    peers: v.array(v.object({ host: v.string() })),
    mode: v.variant('kind', [v.object({ kind: v.literal('file'), path: v.string() }), v.object({ kind: v.literal('url'), url: v.string() })]),
  });

  it('types reads by the output, and changes by the input', async () => {
    const config = await createConfig({ schema, sources: [memorySource(data), env()] });
    open.push(config);
    expectTypeOf(config.get('hosts.database.port').value()).toEqualTypeOf<number>();
    expect(config.get('hosts.database.port').value()).toBe(5432);
    expectTypeOf(config.get('hosts.cache.port').value()).toEqualTypeOf<number | undefined>();
    expectTypeOf(config.get('hosts.replica').value()).toEqualTypeOf<{ readonly port: number } | null>();
    expect(config.get('hosts.replica').value()).toBeNull();
    expectTypeOf(config.get('services.any.url').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('services.api.url').value()).toBe('http://api');
    expectTypeOf(config.get('peers', 0, 'host').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('peers', 0, 'host').value()).toBe('a');
    expectTypeOf(config.get('mode.url').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('mode.url').value()).toBe('http://x');
    // The pipe takes a string: that is what a change at the port holds.
    expectTypeOf(config.watch('hosts.database.port')).toEqualTypeOf<Watcher<number, string>>();
    // @ts-expect-error misspelled
    expect(config.get('hosts.databse').exists()).toBe(false);
  });
});

describe('arktype', () => {
  const schema = type({
    hosts: {
      database: { host: 'string', port: 'string.integer.parse' },
      'cache?': { port: 'number' },
      replica: type({ port: 'number' }).or('null'),
    },
    services: type.Record('string', { url: 'string' }),
    peers: type({ host: 'string' }).array(),
    mode: type({ kind: "'file'", path: 'string' }).or({ kind: "'url'", url: 'string' }),
  });

  it('types reads by the output, and changes by the input', async () => {
    const config = await createConfig({ schema, sources: [memorySource(data), env()] });
    open.push(config);
    expectTypeOf(config.get('hosts.database.port').value()).toEqualTypeOf<number>();
    expect(config.get('hosts.database.port').value()).toBe(5432);
    expectTypeOf(config.get('hosts.cache.port').value()).toEqualTypeOf<number | undefined>();
    expectTypeOf(config.get('hosts.replica').value()).toEqualTypeOf<{ readonly port: number } | null>();
    expect(config.get('hosts.replica').value()).toBeNull();
    expectTypeOf(config.get('services.any.url').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('services.api.url').value()).toBe('http://api');
    expectTypeOf(config.get(['peers', 0, 'host']).value()).toEqualTypeOf<string | undefined>();
    expect(config.get(['peers', 0, 'host']).value()).toBe('a');
    expectTypeOf(config.get('mode.path').value()).toEqualTypeOf<string | undefined>();
    expect(config.get('mode.path').value()).toBeUndefined();
    expectTypeOf(config.watch('hosts.database')).toEqualTypeOf<Watcher<{ host: string; port: number }, { host: string; port: string }>>();
    expectTypeOf(config.watch('peers.0.host')).toEqualTypeOf<Watcher<string | undefined, string | undefined>>();
    // @ts-expect-error misspelled
    expect(config.get('mode', 'kinds').exists()).toBe(false);
    const tree: Tree | undefined = config.get('hosts').raw();
    expect(tree).toEqual({ database: { host: 'db', port: '5432' }, replica: null });
  });
});
