// The Consul source under seeded fault schedules, against the KV emulator (test/consul-emulator.ts, not Consul)
// behind a TCP proxy that cuts, resets, stalls, delays, half-opens and flaps the sources' connections, while the
// emulator stops and restarts, moves its index back as a restore does, answers 500, hangs, or is fronted by
// something answering with an HTML page; writes go on throughout. After each schedule the config must equal what
// the emulator holds within maxRetryDelay + timeout + 1 s. FAULT_SEED=n replays one schedule; FAULT_SCHEDULES=n runs more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulSource } from '../../src/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';
import { figure } from '../reliability/figures.ts';
import { replayHint, runSchedule, type Outcome, type StoreUnderFault } from './harness.ts';
import { KINDS, seeds, type Step } from './schedule.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYS = ['a', 'b', 'c', 'd', 'e', 'nested/x', 'nested/y', 'deep/er/z'];

const WAIT_MS = 5000;

describe('Consul (KV emulator) under seeded faults', () => {
  let emulator: ConsulEmulator;
  let proxy: FaultProxy;
  let store: StoreUnderFault;
  const outcomes: Outcome[] = [];
  const started = performance.now();

  beforeAll(async () => {
    emulator = await startConsulEmulator();
    proxy = await startProxy(emulator.port);
    store = {
      label: 'Consul emulator',
      proxy,
      maxRetryDelay: 1000,
      timeout: 1000,
      // After a snapshot restore Consul abandons the queries it holds, but one that reaches it just after the restore,
      // with the index from before it, is held until its wait runs out (Consul blocks while its own index is not
      // above the one asked for), as the emulator does: nothing can tell the source sooner.
      boundFor: (steps) => (steps.some((step) => step.kind === 'resetIndex') ? WAIT_MS + WAIT_MS / 16 + 1000 : undefined),
      source: (prefix) => consulSource({ prefix, address: proxy.address, wait: `${WAIT_MS}ms`, timeout: 1000, maxRetryDelay: 1000 }),
      async write(prefix, next) {
        const key = (i: number) => `${prefix}/${KEYS[Math.floor(i * KEYS.length)]}`;
        const value = () => String(Math.floor(next() * 1000));
        const roll = next();
        if (roll < 0.6) emulator.put(key(next()), value());
        else if (roll < 0.8) emulator.del(key(next()));
        else emulator.transaction({ [key(next())]: value(), [key(next())]: value() });
      },
      read: async (prefix) => emulator.list(`${prefix}/`),
      apply: (step) => applyConsul(step),
      async settle() {
        emulator.fault(undefined);
        if (!emulator.listening) await emulator.start();
      },
    };
  });

  async function applyConsul(step: Step): Promise<void> {
    switch (step.kind) {
      case 'restart':
        await emulator.stop();
        await sleep(step.ms);
        await emulator.start();
        return;
      case 'resetIndex':
        emulator.resetIndex(Math.max(1, Math.floor(emulator.index / 2)));
        return;
      case 'error500':
      case 'hang':
        emulator.fault({ kind: step.kind });
        await sleep(step.ms);
        emulator.fault(undefined);
        return;
      case 'foreign':
        emulator.fault({ kind: 'answer', status: 200, contentType: 'text/html', body: '<html><body>Please sign in</body></html>' });
        await sleep(step.ms);
        emulator.fault(undefined);
        return;
      default:
        throw new Error(`Consul has no fault ${step.kind}`);
    }
  }

  afterAll(async () => {
    const converged = outcomes.filter((outcome) => outcome.converged !== undefined && outcome.converged <= outcome.bound);
    const worstOf = (list: Outcome[]) => Math.round(Math.max(0, ...list.map((outcome) => outcome.converged ?? Infinity)));
    const restored = outcomes.filter((outcome) => outcome.steps.some((step) => step.kind === 'resetIndex'));
    const worst = worstOf(outcomes.filter((outcome) => !restored.includes(outcome)));
    const slowestClose = Math.max(0, ...outcomes.map((outcome) => outcome.closed));
    figure('Consul emulator behind a faulty network (cut, reset, stall, delay, half-open, flap), stopped, index reset, 500s, hangs, HTML answers', {
      trials: outcomes.length,
      failures: outcomes.length - converged.length,
      ms: performance.now() - started,
      note: `worst time to converge ${worst} ms (bound ${store?.maxRetryDelay + store?.timeout + 1000} ms); after an index reset ${worstOf(restored)} ms (bound ${WAIT_MS + WAIT_MS / 16 + 1000} ms), slowest close ${Math.round(slowestClose)} ms, ${outcomes.reduce((sum, outcome) => sum + outcome.writes, 0)} writes`,
    });
    await proxy?.close();
    await emulator?.stop();
  });

  for (const seed of seeds(100)) {
    it(`converges after schedule ${seed}`, async () => {
      const outcome = await runSchedule(store, seed, KINDS.consul);
      outcomes.push(outcome);
      expect(outcome.converged !== undefined && outcome.converged <= outcome.bound, replayHint(outcome, 'Consul emulator')).toBe(true);
      expect(outcome.closed, replayHint(outcome, 'Consul emulator')).toBeLessThan(6000);
    }, 120_000);
  }
});
