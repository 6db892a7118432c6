// The schedule runner's verdict on stores simple enough to know the answer: a write that lands after the store
// was read at settling (a put past its deadline that etcd still applies) must be followed, not held against the
// config; and a config holding an older state of the store than the one it holds now has not converged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySource, type ChangeSetObject } from '../../src/index.ts';
import { kvTree, type KvPair } from '../../src/sources/kv.ts';
import { freePort } from '../helpers/ports.ts';
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';
import { runSchedule, type StoreUnderFault } from './harness.ts';

/**
 * A store in memory whose last write lands just after the runner first reads it once settled. The source either
 * `reconnects` (cut off during the schedule, it reads the store afresh once that write has landed) or `stops`
 * (it heard every write during the schedule, but not that one).
 */
function lateLandingStore(proxy: FaultProxy, source: 'reconnects' | 'stops', options: { firstReadFails?: boolean } = {}): StoreUnderFault {
  const keys = new Map<string, string>();
  const pairs = (): KvPair[] => [...keys].map(([key, value]) => ({ key, value: new TextEncoder().encode(value) }));
  let prefix = '';
  let settled = false;
  let landed = false;
  const layer = memorySource({}, { name: 'store' });
  const publish = async () => layer.replace((await kvTree(pairs(), prefix)) as ChangeSetObject);
  return {
    label: 'memory',
    proxy,
    maxRetryDelay: 0,
    timeout: 0,
    source(at) {
      prefix = at;
      if (!options.firstReadFails) return layer;
      options.firstReadFails = false;
      return { name: 'store', read: () => Promise.reject(new Error('no answer from the store within its timeout')) };
    },
    async write(at, next) {
      keys.set(`${at}/n`, String(Math.floor(next() * 1000)));
      if (source === 'stops') await publish();
    },
    async read() {
      const now = pairs();
      if (settled && !landed) {
        landed = true;
        keys.set(`${prefix}/late`, 'landed');
        if (source === 'reconnects') await publish();
      }
      return now;
    },
    apply: () => Promise.resolve(),
    async settle() {
      settled = true;
    },
  };
}

describe('the fault schedule runner', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startProxy(await freePort());
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('holds the config to the store as it is after settling: a write landing after the first reading is followed', async () => {
    const outcome = await runSchedule(lateLandingStore(proxy, 'reconnects'), 1, ['calm']);
    expect(outcome.converged).toBeDefined();
    expect(outcome.moved).toBe(1);
  });

  it('creates the config again when its first read, before any fault, runs past the timeout', async () => {
    const outcome = await runSchedule(lateLandingStore(proxy, 'reconnects', { firstReadFails: true }), 1, ['calm']);
    expect(outcome.converged).toBeDefined();
  });

  it('does not take a config equal to an older reading of the store for converged', async () => {
    const outcome = await runSchedule(lateLandingStore(proxy, 'stops'), 1, ['calm']);
    expect(outcome.converged).toBeUndefined();
    expect(outcome.moved).toBe(1);
  }, 60_000);
});
