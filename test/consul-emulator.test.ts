// The emulator itself, checked through the real `consul` client against Consul's documented KV behaviour.
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulEmulator, type ConsulEmulator } from './consul-emulator.ts';

let emulator: ConsulEmulator;
let consul: Consul;
beforeAll(async () => {
  emulator = await startConsulEmulator();
  consul = new Consul({ host: '127.0.0.1', port: emulator.port });
});
afterAll(async () => {
  consul.destroy();
  await emulator.stop();
});

async function raw(path: string, init?: RequestInit) {
  const response = await fetch(`http://${emulator.address}${path}`, init);
  return { status: response.status, index: response.headers.get('x-consul-index'), body: await response.text() };
}

describe('Consul KV emulator', () => {
  it('sets, gets, lists and deletes with Consul\'s shapes', async () => {
    expect(await consul.kv.set('t/a', 'one')).toBe(true);
    expect(await consul.kv.set({ key: 't/b/c', value: 'two', flags: 42 })).toBe(true);
    expect(await consul.kv.get('t/a')).toMatchObject({ Key: 't/a', Value: 'one', Flags: 0, LockIndex: 0 });
    const all = (await consul.kv.get({ key: 't/', recurse: true })) as { Key: string; Flags: number }[];
    expect(all.map((item) => [item.Key, item.Flags])).toEqual([['t/a', 0], ['t/b/c', 42]]);
    expect(await consul.kv.keys({ key: 't/', separator: '/' })).toEqual(['t/a', 't/b/']);
    expect(String(await consul.kv.get({ key: 't/a', raw: true }))).toBe('one');
    expect(await consul.kv.get('t/missing')).toBeUndefined();
    expect(await consul.kv.del({ key: 't/', recurse: true })).toBe(true);
    expect(await consul.kv.get({ key: 't/', recurse: true })).toBeUndefined();
  });

  it('answers 404 with an X-Consul-Index for a missing key, and 400 for stale with consistent', async () => {
    const missing = await raw('/v1/kv/nothing/here');
    expect(missing.status).toBe(404);
    expect(Number(missing.index)).toBeGreaterThan(0);
    expect((await raw('/v1/kv/x?stale&consistent')).status).toBe(400);
  });

  it('honours check-and-set, and bumps the index only for real changes', async () => {
    expect(await consul.kv.set({ key: 'cas/k', value: 'v', cas: 0 })).toBe(true);
    // (the npm client turns Consul's `false` body into undefined, so this one is read raw)
    expect((await raw('/v1/kv/cas/k?cas=0', { method: 'PUT', body: 'w' })).body).toBe('false');
    const item = (await consul.kv.get('cas/k')) as { ModifyIndex: number };
    expect(await consul.kv.set({ key: 'cas/k', value: 'w', cas: item.ModifyIndex })).toBe(true);
    const before = emulator.index;
    await consul.kv.set('cas/k', 'w');
    expect(emulator.index).toBe(before);
  });

  it('blocks a query with index until the data changes, or until wait runs out', async () => {
    await consul.kv.set('block/k', '1');
    const first = await raw('/v1/kv/block/?recurse');
    const index = first.index!;
    const started = Date.now();
    const timedOut = await raw(`/v1/kv/block/?recurse&index=${index}&wait=200ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(timedOut.index).toBe(index);
    const waiting = raw(`/v1/kv/block/?recurse&index=${index}&wait=5s`);
    await consul.kv.set('block/k', '2');
    const changed = await waiting;
    expect(Number(changed.index)).toBeGreaterThan(Number(index));
    expect(JSON.parse(changed.body)[0].Value).toBe(Buffer.from('2').toString('base64'));
  });
});
