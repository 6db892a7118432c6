// The same behaviour from every distributed source: etcd (a real server) and Consul (a real agent when
// CONSUL_HTTP_ADDR is set, otherwise the KV emulator in test/consul-emulator.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, createConfig, type ChangeEvent, type Config } from '../../src/index.ts';
import { eventually, nextChange, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { consulStores, etcdStores, type Store } from '../helpers/stores.ts';

interface Backend {
  name: string;
  available: boolean;
  setup(): Promise<{ store(): Store; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'etcd', available: serverAvailable('etcd'), setup: etcdStores },
  { name: 'consul', available: true, setup: consulStores },
];

for (const backend of backends) {
  describe.runIf(backend.available)(`${backend.name} source`, () => {
    let stores: Awaited<ReturnType<Backend['setup']>>;
    const open: Config[] = [];
    const used: Store[] = [];
    beforeAll(async () => {
      stores = await backend.setup();
    });
    afterAll(async () => {
      await stores?.dispose();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((config) => config.close()));
      await Promise.all(used.splice(0).map((store) => store.close()));
    });

    async function fresh(): Promise<Store> {
      const store = stores.store();
      used.push(store);
      return store;
    }
    async function load(store: Store, options?: Parameters<Store['source']>[0], defaults?: Record<string, unknown>) {
      const config = await createConfig({ defaults, sources: [store.source(options)] });
      open.push(config);
      return config;
    }

    it('reads the keys under its prefix as a tree', async () => {
      const store = await fresh();
      await store.put('registry', 'consul');
      await store.put('hosts/db', '{"host":"db","port":5432}');
      await store.put('hosts/cache.yaml', 'port: 6379\n');
      await store.put('greeting', 'Hello');
      const config = await load(store);
      expect(config.map()).toEqual({ registry: 'consul', hosts: { db: { host: 'db', port: 5432 }, cache: { port: 6379 } }, greeting: 'Hello' });
      // Named precisely: the store and the key the value came from.
      expect(config.explain('registry').source).toMatch(new RegExp(`^(etcd|consul):/?${store.prefix.replace(/^\//, '')}/registry$`));
      expect(config.explain('hosts.cache.port').source).toMatch(/^(etcd|consul):.*\/hosts\/cache\.yaml$/);
    });

    it('reads an empty prefix as an empty layer, and follows it', async () => {
      const store = await fresh();
      const config = await load(store, {}, { registry: 'mdns' });
      expect(config.get('registry').string()).toBe('mdns');
      const change = nextChange(config);
      await store.put('registry', 'etcd');
      await change;
      expect(config.get('registry').string()).toBe('etcd');
    });

    it('delivers a change to a watcher within milliseconds', async () => {
      const store = await fresh();
      await store.put('feature/flag', 'false');
      const config = await load(store);
      await settle(200);
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const value = i % 2 === 0;
        const seen = new Promise<number>((resolve) => {
          const watcher = config.watch('feature.flag').on('change', () => {
            watcher.stop();
            resolve(performance.now());
          });
        });
        const start = performance.now();
        await store.put('feature/flag', String(value));
        latencies.push((await seen) - start);
        expect(config.get('feature.flag').bool(!value)).toBe(value);
      }
      // Reported, not asserted: shared machines are noisy.
      console.log(`${store.label}: write → watcher latency (ms): ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    });

    it('removes a deleted key', async () => {
      const store = await fresh();
      await store.put('a', '1');
      await store.put('b', '2');
      const config = await load(store);
      const change = nextChange(config);
      await store.del('a');
      expect((await change).changes).toMatchObject([{ path: 'a', previous: 1, current: undefined }]);
      expect(config.map()).toEqual({ b: 2 });
    });

    it('publishes the keys of one transaction as one change, never half of it', async () => {
      const store = await fresh();
      await store.transaction({ 'db/host': '"old"', 'db/port': '1' });
      const config = await load(store);
      const snapshots: unknown[] = [];
      config.watch('db').on('change', (value) => snapshots.push(value.raw()));
      await settle(200);
      for (let i = 2; i <= 6; i++) await store.transaction({ 'db/host': `"h${i}"`, 'db/port': String(i) });
      await eventually(() => expect(config.get('db.port').int(0)).toBe(6));
      for (const snapshot of snapshots) {
        const { host, port } = snapshot as { host: string; port: number };
        expect(host).toBe(`h${port}`);
      }
    });

    it('keeps the last good layer when a value is malformed, and picks up the next good one', async () => {
      const store = await fresh();
      await store.put('app.json', '{"port":1}');
      const config = await load(store);
      await settle(200);
      const error = nextError(config);
      await store.put('app.json', '{"port":');
      const received = await error;
      expect(received).toBeInstanceOf(ConfigError);
      expect(received.message).toContain('app.json');
      expect(config.get('app.port').int(0)).toBe(1);
      const change = nextChange(config);
      await store.put('app.json', '{"port":2}');
      await change;
      expect(config.get('app.port').int(0)).toBe(2);
    });

    it('publishes nothing when a key is rewritten with the same value', async () => {
      const store = await fresh();
      await store.put('a', '1');
      const config = await load(store);
      await settle(200);
      const events: ChangeEvent[] = [];
      config.on('change', (event) => events.push(event));
      await store.put('a', '1');
      await store.put('b/', '');
      await settle(300);
      expect(events).toEqual([]);
    });

    it('keeps its last good layer in a cache file', async () => {
      const store = await fresh();
      const cache = join(await tempDir(), 'cache.json');
      await store.put('registry', 'etcd');
      const config = await load(store, { cache });
      const change = nextChange(config);
      await store.put('registry', 'consul');
      await change;
      await eventually(async () => expect(JSON.parse(await readFile(cache, 'utf8'))).toEqual({ registry: 'consul' }));
    });

    it('never caches a layer the config refused: the cache keeps the last published one', async () => {
      const store = await fresh();
      const cache = join(await tempDir(), 'cache.json');
      await store.put('port', '8080');
      const schema = z.object({ port: z.coerce.number().int().max(65_535) });
      const config = await createConfig({ schema, sources: [store.source({ cache })] });
      open.push(config);
      const cached = async () => JSON.parse(await readFile(cache, 'utf8')) as unknown;
      await eventually(async () => expect(await cached()).toEqual({ port: 8080 }));
      const refused = nextError(config);
      await store.put('port', '99999');
      expect((await refused).code).toBe('VALIDATION');
      await settle(300);
      expect(config.get('port').int(0)).toBe(8080);
      expect(await cached()).toEqual({ port: 8080 });
      const change = nextChange(config);
      await store.put('port', '9090');
      await change;
      await eventually(async () => expect(await cached()).toEqual({ port: 9090 }));
    });
  });
}
