// etcd going away under a running config: really killed (SIGKILL) and restarted, replaced by a fresh server, or
// down when the service starts.
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, etcdSource, type Config } from '../../src/index.ts';
import { eventually, nextError } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { etcdStores, type Store } from '../helpers/stores.ts';
import { recordSnapshots } from '../helpers/snapshots.ts';

describe.runIf(serverAvailable('etcd'))('etcd faults', () => {
  let stores: Awaited<ReturnType<typeof etcdStores>>;
  const open: Config[] = [];
  const used: Store[] = [];
  beforeAll(async () => {
    stores = await etcdStores();
  });
  afterAll(async () => {
    await stores?.dispose();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((config) => config.close()));
    await Promise.all(used.splice(0).map((store) => store.close()));
    await stores.server.start().catch(() => {});
  });

  function fresh(): Store {
    const store = stores.store();
    used.push(store);
    return store;
  }

  it('converges after kill -9 and restart, with writes made while the watch was down, never going back', async () => {
    const store = fresh();
    await store.put('n', '0');
    const config = await createConfig({ sources: [store.source()] });
    open.push(config);
    const record = recordSnapshots(config, 'n');
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    let written = 0;
    for (let round = 1; round <= 3; round++) {
      await store.put('n', String(++written));
      await stores.server.kill();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stores.server.start();
      // Writes from another client right after the restart, before our watch has reconnected.
      const other = new Etcd3({ hosts: stores.server.endpoint });
      for (let i = 0; i < 3; i++) await other.put(`${store.prefix}/n`).value(String(++written));
      other.close();
      await eventually(() => expect(config.get('n').int(-1)).toBe(written), 15_000);
    }
    record.expectMonotonic(written);
    expect(errors.some((error) => error.code === 'WATCH' && /lost etcd/.test(error.message))).toBe(true);
  });

  it('resynchronizes when etcd is replaced by a fresh server whose revisions start over', async () => {
    const store = fresh();
    for (let i = 0; i < 30; i++) await store.put('filler', String(i));
    await store.put('registry', 'etcd');
    const config = await createConfig({ sources: [store.source()] });
    open.push(config);
    const errors: string[] = [];
    config.on('error', (error) => errors.push(error.message));
    await stores.server.replace();
    const writer = new Etcd3({ hosts: stores.server.endpoint });
    await writer.put(`${store.prefix}/registry`).value('consul');
    writer.close();
    await eventually(() => expect({ values: config.map(), errors }).toEqual({ values: { registry: 'consul' }, errors }), 15_000);
  });

  it('rejects createConfig when etcd is down, naming the source and the address', async () => {
    await stores.server.kill();
    const error = (await createConfig({ sources: [etcdSource({ prefix: '/x', hosts: stores.server.endpoint, timeout: 500 })] }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.source).toBe('etcd:/x');
    expect(error.message).toContain(stores.server.endpoint);
  });

  it('starts while etcd is down when optional, or from its cache, and converges when etcd returns', async () => {
    const store = fresh();
    const cache = join(await tempDir(), 'etcd-cache.json');
    await store.put('registry', 'etcd');
    const first = await createConfig({ sources: [store.source({ cache })] });
    await first.close();
    await stores.server.kill();

    const cached = await createConfig({ defaults: { registry: 'mdns' }, sources: [store.source({ cache })] });
    open.push(cached);
    const error = nextError(cached, 10_000);
    const optional = await createConfig({ defaults: { registry: 'mdns' }, sources: [store.source({ optional: true })] });
    open.push(optional);
    expect(cached.get('registry').string()).toBe('etcd');
    expect(optional.get('registry').string()).toBe('mdns');
    expect((await error).message).toMatch(/etcd is unreachable; serving the cached layer/);

    await stores.server.start();
    await store.put('registry', 'consul');
    await eventually(() => expect(cached.get('registry').string()).toBe('consul'), 15_000);
    await eventually(() => expect(optional.get('registry').string()).toBe('consul'), 15_000);
  });
});
