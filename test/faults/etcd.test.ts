// etcd under seeded fault schedules: a real etcd behind a TCP proxy that cuts, resets, stalls, delays, half-opens
// and flaps the sources' connections, while etcd itself is killed and restarted, frozen (SIGSTOP), compacted,
// wiped, and replaced by a fresh cluster already past the old revision; writes go on throughout. After each
// schedule the config must equal what etcd holds within maxRetryDelay + timeout + 1 s. FAULT_SEED=n replays one schedule;
// FAULT_SCHEDULES=n runs more (npm run soak).
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdSource } from '../../src/index.ts';
import { startEtcd, type EtcdServer } from '../helpers/etcd.ts';
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { figure } from '../reliability/figures.ts';
import { replayHint, runSchedule, type Outcome, type StoreUnderFault } from './harness.ts';
import { KINDS, seeds, type Step } from './schedule.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The harness's own calls to etcd (reads, the revision, compaction, fillers), made while etcd is up, are tried
 * again until they answer: on a loaded machine one can run past its deadline, and the schedule must not fail
 * (nor skip a fault) for it.
 */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'nested/x', 'nested/y', 'deep/er/z'];

describe.runIf(serverAvailable('etcd'))('etcd under seeded faults', () => {
  let etcd: EtcdServer;
  let proxy: FaultProxy;
  let client: Etcd3;
  let store: StoreUnderFault;
  const outcomes: Outcome[] = [];
  const started = performance.now();

  const connectClient = () =>
    new Etcd3({
      hosts: etcd.endpoint,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 1000 }),
      faultHandling: { host: () => noop, global: noop },
    });
  /** etcd's revision now; etcd is up between steps, so this is tried again until it answers. */
  const revision = () => persist(async () => Number((await client.get('/faults-none').exec()).header.revision));

  beforeAll(async () => {
    etcd = await startEtcd({ lifetime: 24 * 3600 });
    proxy = await startProxy(Number(new URL(etcd.endpoint).port));
    client = connectClient();
    store = {
      label: 'etcd',
      proxy,
      maxRetryDelay: 1000,
      timeout: 1000,
      source: (prefix) => etcdSource({ prefix, hosts: proxy.url, timeout: 1000, maxRetryDelay: 1000 }),
      async write(prefix, next) {
        const key = (i: number) => `${prefix}/${KEYS[Math.floor(i * KEYS.length)]}`;
        const value = () => String(Math.floor(next() * 1000));
        const roll = next();
        try {
          if (roll < 0.6) await client.put(key(next())).value(value());
          else if (roll < 0.8) await client.delete().key(key(next()));
          else {
            await client
              .if(`${prefix}/never`, 'Version', '==', 0)
              .then(client.put(key(next())).value(value()), client.put(key(next())).value(value()))
              .commit();
          }
        } catch {
          // etcd is down, frozen, replaced or slow: this write may not happen, or land later (a put past its
          // deadline can still be applied).
        }
      },
      async read(prefix) {
        const response = await persist(() => client.getAll().prefix(`${prefix}/`).exec());
        return response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value }));
      },
      apply: (step) => applyEtcd(step),
      async settle() {
        etcd.resume();
        await etcd.start();
      },
    };
  }, 60_000);

  async function applyEtcd(step: Step): Promise<void> {
    switch (step.kind) {
      case 'restart':
        await etcd.kill();
        await sleep(step.ms);
        await etcd.start();
        return;
      case 'pause':
        etcd.pause();
        await sleep(step.ms);
        etcd.resume();
        return;
      case 'compact':
        await compact();
        return;
      case 'cutCompact':
        proxy.cut();
        await sleep(step.ms);
        await compact();
        proxy.heal();
        return;
      case 'wipe':
        await etcd.kill();
        await sleep(step.ms);
        await etcd.replace();
        return;
      case 'freshPast': {
        proxy.cut();
        const old = await revision();
        await etcd.replace();
        // Other keys take the fresh cluster past the revision the source had reached. etcd's revision says when:
        // a put that timed out under load may have landed or not.
        for (let round = 0; (await revision()) <= old; round++) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => persist(() => client.put(`/faults-filler/${i}`).value(String(round)).exec())));
        }
        proxy.heal();
        return;
      }
      default:
        throw new Error(`etcd has no fault ${step.kind}`);
    }
  }

  /** Compacts etcd at its revision now (etcd is up between steps; a try that timed out may have compacted it). */
  async function compact(): Promise<void> {
    await persist(async () => {
      try {
        await client.kv.compact({ revision: String(await revision()), physical: true });
      } catch (error) {
        // Already compacted there: a try that timed out did it.
        if (!/required revision has been compacted/.test((error as Error).message)) throw error;
      }
    });
  }

  afterAll(async () => {
    const converged = outcomes.filter((outcome) => outcome.converged !== undefined && outcome.converged <= outcome.bound);
    const worst = Math.max(0, ...outcomes.map((outcome) => outcome.converged ?? Infinity));
    const slowestClose = Math.max(0, ...outcomes.map((outcome) => outcome.closed));
    figure('etcd behind a faulty network (cut, reset, stall, delay, half-open, flap), killed, frozen, compacted, wiped, replaced past its revision', {
      trials: outcomes.length,
      failures: outcomes.length - converged.length,
      ms: performance.now() - started,
      note: `worst time to converge ${Math.round(worst)} ms (bound ${store?.maxRetryDelay + store?.timeout + 1000} ms), slowest close ${Math.round(slowestClose)} ms, ${outcomes.reduce((sum, outcome) => sum + outcome.writes, 0)} writes, ${outcomes.filter((outcome) => outcome.moved > 0).length} schedules with a write landing after settling`,
    });
    client?.close();
    await proxy?.close();
    await etcd?.dispose();
  }, 60_000);

  for (const seed of seeds(100)) {
    it(`converges after schedule ${seed}`, async () => {
      const outcome = await runSchedule(store, seed, KINDS.etcd);
      outcomes.push(outcome);
      expect(outcome.converged !== undefined && outcome.converged <= outcome.bound, replayHint(outcome, 'etcd')).toBe(true);
      expect(outcome.closed, replayHint(outcome, 'etcd')).toBeLessThan(6000);
    }, 120_000);
  }
});
