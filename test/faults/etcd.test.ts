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
  const revision = async () => Number((await client.get('/faults-none').exec()).header.revision);

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
          // etcd is down, frozen or being replaced: this write did not happen.
        }
      },
      async read(prefix) {
        for (let attempt = 0; ; attempt++) {
          try {
            const response = await client.getAll().prefix(`${prefix}/`).exec();
            return response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value }));
          } catch (error) {
            if (attempt > 50) throw error;
            await sleep(100);
          }
        }
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
        const old = await revision().catch(() => 0);
        await etcd.replace();
        // Other keys take the fresh cluster past the revision the source had reached.
        for (let done = 0; done <= old; done += 100) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => client.put(`/faults-filler/${i}`).value(String(done))));
        }
        proxy.heal();
        return;
      }
      default:
        throw new Error(`etcd has no fault ${step.kind}`);
    }
  }

  async function compact(): Promise<void> {
    try {
      await client.kv.compact({ revision: String(await revision()), physical: true });
    } catch {
      // etcd is down: nothing to compact.
    }
  }

  afterAll(async () => {
    const converged = outcomes.filter((outcome) => outcome.converged !== undefined && outcome.converged <= outcome.bound);
    const worst = Math.max(0, ...outcomes.map((outcome) => outcome.converged ?? Infinity));
    const slowestClose = Math.max(0, ...outcomes.map((outcome) => outcome.closed));
    figure('etcd behind a faulty network (cut, reset, stall, delay, half-open, flap), killed, frozen, compacted, wiped, replaced past its revision', {
      trials: outcomes.length,
      failures: outcomes.length - converged.length,
      ms: performance.now() - started,
      note: `worst time to converge ${Math.round(worst)} ms (bound ${store?.maxRetryDelay + store?.timeout + 1000} ms), slowest close ${Math.round(slowestClose)} ms, ${outcomes.reduce((sum, outcome) => sum + outcome.writes, 0)} writes`,
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
