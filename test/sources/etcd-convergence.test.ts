// An etcd source converges to what etcd holds after each fault, one at a time: the last value written is the one
// published, and nothing published is older than what was published before it. A real etcd, killed, wiped,
// frozen, compacted and cut off behind a proxy; verdicts are events and the final state, never how long it took.
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConfig, etcdSource, type Config, type ConfigError, type EtcdSourceOptions } from '../../src/index.ts';
import { watchFrom, listPrefix } from '../../src/sources/etcd-session.ts';
import { eventually, nextError, settle } from '../helpers/events.ts';
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { recordSnapshots } from '../helpers/snapshots.ts';
import { etcdStores, type Store } from '../helpers/stores.ts';

describe.runIf(serverAvailable('etcd'))('etcd converges after each fault', () => {
  let stores: Awaited<ReturnType<typeof etcdStores>>;
  const open: Config[] = [];
  const used: Store[] = [];
  const proxies: FaultProxy[] = [];
  const clients: Etcd3[] = [];
  beforeAll(async () => {
    stores = await etcdStores();
  }, 60_000);
  afterAll(async () => {
    await stores?.dispose();
  });
  afterEach(async () => {
    stores.server.resume();
    await Promise.all(open.splice(0).map((config) => config.close()));
    for (const client of clients.splice(0)) client.close();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await stores.server.start().catch(() => {});
    await Promise.all(used.splice(0).map((store) => store.close()));
  });

  function fresh(): Store {
    const store = stores.store();
    used.push(store);
    return store;
  }
  /** A client of the test's own, writing as another program would: no retries, a deadline on each call. */
  function direct(): Etcd3 {
    const client = new Etcd3({
      hosts: stores.server.endpoint,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 5000 }),
      faultHandling: { host: () => noop, global: noop },
    });
    clients.push(client);
    return client;
  }
  async function proxied(): Promise<FaultProxy> {
    const proxy = await startProxy(Number(new URL(stores.server.endpoint).port));
    proxies.push(proxy);
    return proxy;
  }
  async function load(store: Store, options: EtcdSourceOptions = {}, limits: { maxBytes?: number } = {}): Promise<Config> {
    const config = await createConfig({ ...limits, sources: [etcdSource({ prefix: store.prefix, hosts: stores.server.endpoint, timeout: 2000, maxRetryDelay: 500, ...options })] });
    open.push(config);
    return config;
  }
  /** The keys under the prefix, as etcd holds them now, mapped as the source maps plain values. */
  async function held(store: Store): Promise<Record<string, unknown>> {
    const { keys } = await listPrefix(direct(), store.prefix);
    return Object.fromEntries([...keys].map(([key, value]) => [key.slice(store.prefix.length + 1), JSON.parse(Buffer.from(value).toString()) as unknown]));
  }

  it('a watch asked to start below the compacted revision fails at once, not after its timeout, so the source lists again', async () => {
    const store = fresh();
    const client = direct();
    await client.put(`${store.prefix}/n`).value('0');
    const listing = await listPrefix(client, store.prefix);
    for (let i = 1; i <= 5; i++) await client.put(`${store.prefix}/n`).value(String(i));
    const { header } = await client.get(`${store.prefix}/n`).exec();
    await client.kv.compact({ revision: header.revision, physical: true });
    const published: unknown[] = [];
    const watching = new AbortController();
    // A timeout longer than the test may take: the watch ends by etcd's cancellation, or the test times out.
    const ended = watchFrom(direct(), { keyPrefix: store.prefix, listing, timeout: 600_000, signal: watching.signal, publish: (keys) => published.push(keys) });
    await expect(ended).rejects.toThrow(/canceled/i);
    expect(published).toEqual([]);
    watching.abort();
  });

  it('after a compaction past the revision it last saw while cut off, lists again and follows, never going back', async () => {
    const store = fresh();
    await store.put('n', '0');
    const proxy = await proxied();
    const config = await load(store, { hosts: proxy.url });
    const record = recordSnapshots(config, 'n');
    for (let round = 1; round <= 3; round++) {
      proxy.cut();
      const client = direct();
      for (let i = 1; i <= 5; i++) await client.put(`${store.prefix}/n`).value(String(round * 10 + i));
      const { header } = await client.get(`${store.prefix}/n`).exec();
      await client.kv.compact({ revision: header.revision, physical: true });
      proxy.heal();
      await eventually(() => expect(config.get('n').int()).toBe(round * 10 + 5));
    }
    await store.put('n', '100');
    await eventually(() => expect(config.get('n').int()).toBe(100));
    record.expectMonotonic(100);
  });

  it('takes a key written, a key deleted and a key added while etcd was down, after a restart on the same data', async () => {
    const store = fresh();
    await store.transaction({ kept: '1', doomed: '1', n: '1' });
    const config = await load(store);
    const record = recordSnapshots(config, 'n');
    const lost = nextError(config);
    await stores.server.kill();
    expect((await lost).code).toBe('WATCH');
    await stores.server.start();
    // Before the source is back: its reconnection waits for a backoff at least.
    const client = direct();
    await client.put(`${store.prefix}/n`).value('2');
    await client.delete().key(`${store.prefix}/doomed`);
    await client.put(`${store.prefix}/added`).value('3');
    await eventually(async () => expect(config.map()).toEqual(await held(store)));
    expect(config.map()).toEqual({ kept: 1, n: 2, added: 3 });
    record.expectMonotonic(2);
  });

  it('drops the whole prefix when it was deleted while the source was cut off, and follows it filling again', async () => {
    const store = fresh();
    await store.transaction({ a: '1', 'b/c': '2', d: '3' });
    const proxy = await proxied();
    const config = await load(store, { hosts: proxy.url });
    expect(config.map()).toEqual({ a: 1, b: { c: 2 }, d: 3 });
    proxy.cut();
    await direct().delete().prefix(`${store.prefix}/`);
    proxy.heal();
    await eventually(() => expect(config.map()).toEqual({}));
    await store.put('a', '4');
    await eventually(() => expect(config.map()).toEqual({ a: 4 }));
  });

  it('follows the prefix deleted whole while connected, in one change', async () => {
    const store = fresh();
    await store.transaction({ a: '1', 'b/c': '2', d: '3' });
    const config = await load(store);
    const changes: unknown[] = [];
    config.on('change', (event) => changes.push(event.changes.map((change) => change.path).sort()));
    await direct().delete().prefix(`${store.prefix}/`);
    await eventually(() => expect(config.map()).toEqual({}));
    expect(changes).toEqual([['a', 'b', 'd']]);
  });

  it('takes what the store holds after it was wiped, though its revisions went back: values older and keys gone', async () => {
    const store = fresh();
    for (let i = 0; i < 20; i++) await store.put('n', String(i));
    await store.put('gone', '1');
    const config = await load(store);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    await stores.server.replace();
    await direct().put(`${store.prefix}/n`).value('5');
    await eventually(() => expect(config.map()).toEqual({ n: 5 }));
    // Followed from the new history: a write after it arrives too.
    await store.put('n', '6');
    await eventually(() => expect(config.map()).toEqual({ n: 6 }));
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rides out etcd frozen (SIGSTOP) past its timeouts and keepalive, with a write made meanwhile, and follows after', async () => {
    const store = fresh();
    await store.put('n', '1');
    const config = await load(store, { timeout: 1000 });
    const record = recordSnapshots(config, 'n');
    // Watching: a write arrives by the watch.
    await store.put('n', '2');
    await eventually(() => expect(config.get('n').int()).toBe(2));
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    stores.server.pause();
    // A write that etcd takes once it goes on: the frozen server holds it.
    const writing = direct().put(`${store.prefix}/n`).value('3').catch(() => undefined);
    // Past the keepalive (10 s) and its timeout: the source finds the watch's connection dead and reconnects, in vain.
    await eventually(() => expect(errors.map((error) => error.code)).toContain('WATCH'), 60_000);
    stores.server.resume();
    await writing;
    await eventually(async () => expect(config.map()).toEqual(await held(store)));
    await store.put('n', '4');
    await eventually(() => expect(config.get('n').int()).toBe(4));
    record.expectMonotonic(4);
  }, 90_000);

  it('rides out etcd frozen for longer than one call may take, while no call was under way', async () => {
    const store = fresh();
    await store.put('n', '1');
    const config = await load(store, { timeout: 500 });
    const record = recordSnapshots(config, 'n');
    await store.put('n', '2');
    await eventually(() => expect(config.get('n').int()).toBe(2));
    stores.server.pause();
    await settle(1500);
    stores.server.resume();
    await store.put('n', '3');
    await eventually(() => expect(config.get('n').int()).toBe(3));
    record.expectMonotonic(3);
  });

  it('publishes the last of a burst of 500 writes, and every value it publishes is newer than the one before', async () => {
    const store = fresh();
    await store.put('n', '0');
    const config = await load(store);
    const record = recordSnapshots(config, 'n');
    const client = direct();
    for (let i = 1; i <= 500; i++) await client.put(`${store.prefix}/n`).value(String(i));
    await eventually(() => expect(config.get('n').int()).toBe(500));
    record.expectMonotonic(500);
  });

  it('publishes the last of a burst written without waiting, in the order etcd applied it', async () => {
    const store = fresh();
    await store.put('k', '0');
    const config = await load(store);
    const client = direct();
    await Promise.all(Array.from({ length: 300 }, (_, i) => client.put(`${store.prefix}/k${i % 7}`).value(String(i))));
    await eventually(async () => expect(config.map()).toEqual(await held(store)));
  });

  it('keeps the previous layer while a value is over maxBytes, and takes the next one within it', async () => {
    const store = fresh();
    await store.put('n', '1');
    const config = await load(store, {}, { maxBytes: 4096 });
    const error = nextError(config);
    await store.put('big', JSON.stringify('x'.repeat(8192)));
    expect((await error).code).toMatch(/LIMIT|DECODE/);
    expect(config.map()).toEqual({ n: 1 });
    await store.put('big', '"small"');
    await eventually(() => expect(config.map()).toEqual({ n: 1, big: 'small' }));
  });

  it('keeps the previous layer while a value does not decode, also when it is found on a reconnection', async () => {
    const store = fresh();
    await store.put('n', '1');
    await store.put('doc.json', '{"a":1}');
    const proxy = await proxied();
    const config = await load(store, { hosts: proxy.url });
    const error = nextError(config);
    await store.put('doc.json', '{"a":');
    expect((await error).code).toBe('DECODE');
    expect(config.map()).toEqual({ n: 1, doc: { a: 1 } });
    // Found again on the listing after a reconnection: still refused, the previous layer still in force.
    proxy.cut();
    await direct().put(`${store.prefix}/n`).value('2');
    const again = nextError(config);
    proxy.heal();
    expect((await again).code).toBe('DECODE');
    expect(config.map()).toEqual({ n: 1, doc: { a: 1 } });
    await store.put('doc.json', '{"a":2}');
    await eventually(() => expect(config.map()).toEqual({ n: 2, doc: { a: 2 } }));
  });

  for (const fault of ['cut', 'blackhole', 'down'] as const) {
    it(`closes at once while reconnecting (${fault}), and publishes nothing after`, async () => {
      const store = fresh();
      await store.put('n', '1');
      const proxy = await proxied();
      // A timeout longer than the test waits for close(): a close that waited for a call to time out would show.
      const config = await createConfig({ sources: [etcdSource({ prefix: store.prefix, hosts: proxy.url, timeout: 600_000, maxRetryDelay: 100 })] });
      const lost = nextError(config);
      if (fault === 'cut') proxy.cut();
      else if (fault === 'blackhole') {
        proxy.blackhole('both');
        proxy.reset();
      } else await stores.server.kill();
      await lost;
      // Let it go round its reconnection loop a few times.
      await settle(300);
      const changes: unknown[] = [];
      config.on('change', (event) => changes.push(event));
      await config.close();
      proxy.heal();
      await stores.server.start();
      await store.put('n', '2');
      await eventually(() => expect(proxy.connections).toBe(0));
      await settle(500);
      // With etcd down, a gRPC subchannel waiting out its backoff when its channel closed connects once more after
      // (@grpc/grpc-js keeps its wish to connect past the last unref): not the source's doing, and no change comes of it.
      if (fault !== 'down') expect(proxy.connections).toBe(0);
      expect(changes).toEqual([]);
      expect(config.get('n').int()).toBe(1);
    }, 30_000);
  }
});
