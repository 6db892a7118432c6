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
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';
import { recordSnapshots } from '../helpers/snapshots.ts';

describe.runIf(serverAvailable('etcd'))('etcd faults', () => {
  let stores: Awaited<ReturnType<typeof etcdStores>>;
  const open: Config[] = [];
  const used: Store[] = [];
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    stores = await etcdStores();
  });
  afterAll(async () => {
    await stores?.dispose();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((config) => config.close()));
    await Promise.all(used.splice(0).map((store) => store.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await stores.server.start().catch(() => {});
  });

  function fresh(): Store {
    const store = stores.store();
    used.push(store);
    return store;
  }

  it('reports an outage with one error however many reconnections it takes, and the next outage with another', async () => {
    const store = fresh();
    await store.put('registry', 'etcd');
    const proxy = await startProxy(Number(new URL(stores.server.endpoint).port));
    proxies.push(proxy);
    const config = await createConfig({ sources: [etcdSource({ prefix: store.prefix, hosts: proxy.url, timeout: 1000, maxRetryDelay: 100 })] });
    open.push(config);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    proxy.cut();
    // Reconnections every 100 ms at most: a couple of seconds hold a dozen of them, each refused.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(errors.map((error) => error.code)).toEqual(['WATCH']);
    proxy.heal();
    await store.put('registry', 'consul');
    await eventually(() => expect(config.get('registry').string()).toBe('consul'));
    proxy.cut();
    await eventually(() => expect(errors.map((error) => error.code)).toEqual(['WATCH', 'WATCH']));
  });

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
      await eventually(() => expect(config.get('n').int(-1)).toBe(written));
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
    await eventually(() => expect({ values: config.map(), errors }).toEqual({ values: { registry: 'consul' }, errors }));
  });

  it('follows again after reconnecting to an etcd compacted past the revision it last saw', async () => {
    const store = fresh();
    await store.put('n', '0');
    const proxy = await startProxy(Number(new URL(stores.server.endpoint).port));
    proxies.push(proxy);
    const config = await createConfig({ sources: [etcdSource({ prefix: store.prefix, hosts: proxy.url, timeout: 2000, maxRetryDelay: 500 })] });
    open.push(config);
    proxy.cut();
    const direct = new Etcd3({ hosts: stores.server.endpoint });
    for (let i = 1; i <= 5; i++) await direct.put(`${store.prefix}/n`).value(String(i));
    const { header } = await direct.get(`${store.prefix}/n`).exec();
    await direct.kv.compact({ revision: header.revision, physical: true });
    direct.close();
    proxy.heal();
    await eventually(() => expect(config.get('n').int()).toBe(5));
    // Still following: a later write arrives.
    await store.put('n', '6');
    await eventually(() => expect(config.get('n').int()).toBe(6));
  });

  it('reads a wiped store afresh, even when the new cluster is already past the revision the watch had reached', async () => {
    const store = fresh();
    const filler = new Etcd3({ hosts: stores.server.endpoint });
    const fill = async (from: number, to: number) => {
      for (let done = from; done <= to; done += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => filler.put(`/elsewhere/${done + i}`).value('x')));
      }
    };
    // A history of some length, which the new cluster will pass before the source reconnects.
    await fill(0, 300);
    await store.transaction({ stale: '1', kept: '1' });
    const proxy = await startProxy(Number(new URL(stores.server.endpoint).port));
    proxies.push(proxy);
    const config = await createConfig({ sources: [etcdSource({ prefix: store.prefix, hosts: proxy.url, timeout: 2000, maxRetryDelay: 500 })] });
    open.push(config);
    const reader = new Etcd3({ hosts: stores.server.endpoint });
    const old = Number((await reader.get(`${store.prefix}/kept`).exec()).header.revision);
    reader.close();
    // Cut off while the store is replaced and taken past the old revision, as a restore from backup elsewhere is.
    proxy.cut();
    await stores.server.replace();
    await fill(0, old + 50);
    await filler.put(`${store.prefix}/kept`).value('2');
    await filler.put(`${store.prefix}/added`).value('3');
    filler.close();
    proxy.heal();
    await eventually(() => expect(config.map()).toEqual({ kept: 2, added: 3 }));
  });

  it('fails a read that gets no answer within its timeout by that timeout, naming it', async () => {
    const store = fresh();
    const proxy = await startProxy(Number(new URL(stores.server.endpoint).port));
    proxies.push(proxy);
    proxy.blackhole('both');
    const error = (await createConfig({ sources: [etcdSource({ prefix: store.prefix, hosts: proxy.url, timeout: 1000 })] }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error).toMatchObject({ code: 'READ', source: `etcd:${store.prefix}` });
    expect(error.message).toContain('no answer from etcd within 1000 ms');
  });

  it('rejects createConfig when etcd is down, naming the source and the address', async () => {
    await stores.server.kill();
    const error = (await createConfig({ sources: [etcdSource({ prefix: '/x', hosts: stores.server.endpoint, timeout: 500 })] }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.source).toBe('etcd:/x');
    expect(error.message).toContain(stores.server.endpoint);
    // gRPC ends a refused connection's message with an empty "Resolution note: "; it is no part of ours.
    expect(error.message).not.toMatch(/Resolution note/);
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
    const error = nextError(cached);
    const optional = await createConfig({ defaults: { registry: 'mdns' }, sources: [store.source({ optional: true })] });
    open.push(optional);
    expect(cached.get('registry').string()).toBe('etcd');
    expect(optional.get('registry').string()).toBe('mdns');
    expect((await error).message).toMatch(/etcd is unreachable; serving the cached layer/);

    await stores.server.start();
    await store.put('registry', 'consul');
    await eventually(() => expect(cached.get('registry').string()).toBe('consul'));
    await eventually(() => expect(optional.get('registry').string()).toBe('consul'));
  });
});
