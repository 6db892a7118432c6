// Runs one seeded fault schedule against a store: a config follows the store through a fault proxy while another
// client writes straight to the store; after the schedule, once the network and the store are well again, the
// config must hold exactly what the store holds, within the source's maxRetryDelay + timeout + 1 s, without sync().
import { createConfig, type Config, type Source } from '../../src/index.ts';
import { kvTree, type KvPair } from '../../src/sources/kv.ts';
import { deepEqual, type TreeObject } from '../../src/reader/tree.ts';
import type { FaultProxy } from '../helpers/proxy.ts';
import { random } from '../helpers/random.ts';
import { describeStep, schedule, type Step, type StepKind } from './schedule.ts';

/** A store the schedules run against. */
export interface StoreUnderFault {
  /** `etcd` or `Consul emulator`. */
  readonly label: string;
  /** The proxy between the sources and the store. */
  readonly proxy: FaultProxy;
  /** The sources' longest wait between reconnections (ms). */
  readonly maxRetryDelay: number;
  /**
   * The sources' bound on one call to the store (ms). A call under way when the network settles may need all of it
   * to fail (a connection cut without a word), then the backoff: the bound is both plus one second.
   */
  readonly timeout: number;
  /** A longer bound for schedules holding a fault the store itself makes clients wait out (ms), if any. */
  boundFor?(steps: readonly Step[]): number | undefined;
  /** A source on a prefix, reaching the store through the proxy. */
  source(prefix: string): Source;
  /** One write drawn from `next` (a put, a delete or a transaction) straight to the store; quietly fails while it is down. */
  write(prefix: string, next: () => number): Promise<void>;
  /** The keys under a prefix, read straight from the store once it answers. */
  read(prefix: string): Promise<KvPair[]>;
  /** Applies one of the store's own faults (the network's are the runner's). */
  apply(step: Step): Promise<void>;
  /** Ends the store's faults: up, unfrozen, answering. */
  settle(): Promise<void>;
}

/** What one schedule came to. */
export interface Outcome {
  readonly seed: number;
  readonly steps: readonly Step[];
  /** Ms from the network and the store settling to the config holding what the store holds; undefined if never. */
  readonly converged: number | undefined;
  /** The bound it had to meet (ms). */
  readonly bound: number;
  /** How long `close()` took (ms). */
  readonly closed: number;
  /** Writes made during the schedule. */
  readonly writes: number;
  /** How often the store changed after settling (writes that ran past their deadline, landing late). */
  readonly moved: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long past the bound a late config is still watched, to tell "late" from "never". */
const GRACE = 10_000;

/** How often the store is read again while the config differs from it (ms). */
const REREAD = 250;

/** Runs the schedule of a seed on a fresh prefix. */
export async function runSchedule(store: StoreUnderFault, seed: number, kinds: readonly StepKind[]): Promise<Outcome> {
  const steps = schedule(seed, kinds);
  const prefix = `faults/${seed}-${Date.now().toString(36)}`;
  const bound = Math.max(store.maxRetryDelay + store.timeout + 1000, store.boundFor?.(steps) ?? 0);
  const config = await following(store, prefix);
  // Errors are expected (that is the point); a config reports them on `error`, which nobody needs to hear here.
  config.on('error', () => {});
  const next = random(seed ^ 0x5eed5eed);
  let writing = true;
  let writes = 0;
  const writer = (async () => {
    while (writing) {
      await store.write(prefix, next);
      writes += 1;
      await sleep(5 + next() * 30);
    }
  })();
  try {
    for (const step of steps) await applyStep(store, step);
  } finally {
    writing = false;
    store.proxy.heal();
    await store.settle();
    await writer;
  }
  const settled = performance.now();
  const { converged, moved } = await convergence(config, () => store.read(prefix).then((pairs) => kvTree(pairs, prefix)), settled, bound + GRACE);
  const closing = performance.now();
  await config.close();
  return { seed, steps, converged, bound, closed: performance.now() - closing, writes, moved };
}

/**
 * A config following the store. Its first read, before any fault, is tried again with a new source if it runs past
 * the source's timeout on a loaded machine: a store down at start is another test's subject.
 */
async function following(store: StoreUnderFault, prefix: string): Promise<Config> {
  for (let attempt = 1; ; attempt++) {
    const source = store.source(prefix);
    try {
      return await createConfig({ sources: [source] });
    } catch (error) {
      await source.close?.();
      if (attempt >= 5) throw error;
      await sleep(100);
    }
  }
}

/**
 * When the config came to hold what the store holds (ms after `settled`), or undefined if not within `limit` ms;
 * and how often the store changed after settling. A write the writer saw fail (past its deadline, on a loaded
 * machine) can still land after that: the store is read again while the config differs from it, and once more
 * when they agree, so the config is held to the store as it is, never to an older reading of it.
 */
async function convergence(config: Config, current: () => Promise<TreeObject>, settled: number, limit: number): Promise<{ converged: number | undefined; moved: number }> {
  let expected = await current();
  let readAt = performance.now();
  let moved = 0;
  const reread = async () => {
    const now = await current();
    readAt = performance.now();
    if (deepEqual(now, expected)) return true;
    expected = now;
    moved += 1;
    return false;
  };
  while (performance.now() - settled < limit) {
    const at = performance.now();
    // Equal to a reading, and the store unchanged since: the config held what the store held at that moment.
    if (deepEqual(config.map(), expected) && (await reread())) return { converged: at - settled, moved };
    if (performance.now() - readAt >= REREAD) await reread();
    await sleep(5);
  }
  return { converged: undefined, moved };
}

/** Applies one step: the network's on the proxy, the store's by the store. */
async function applyStep(store: StoreUnderFault, step: Step): Promise<void> {
  const { proxy } = store;
  switch (step.kind) {
    case 'cut':
      proxy.cut();
      await sleep(step.ms);
      proxy.heal();
      return;
    case 'reset':
      proxy.reset();
      return;
    case 'stall':
      proxy.stall(step.direction);
      await sleep(step.ms);
      proxy.heal();
      return;
    case 'blackhole':
      proxy.blackhole(step.direction);
      await sleep(step.ms);
      proxy.heal();
      return;
    case 'delay':
      proxy.delay(step.latency);
      await sleep(step.ms);
      proxy.heal();
      return;
    case 'flap':
      for (let i = 0; i < step.times; i++) {
        proxy.cut();
        await sleep(step.period / 2);
        proxy.heal();
        await sleep(step.period / 2);
      }
      return;
    case 'calm':
      await sleep(step.ms);
      return;
    default:
      await store.apply(step);
  }
}

/** A failure message that says how to replay the schedule. */
export function replayHint(outcome: Outcome, label: string): string {
  const result = outcome.converged === undefined ? 'never converged' : `converged after ${Math.round(outcome.converged)} ms`;
  const moved = outcome.moved > 0 ? `, the store changed ${outcome.moved} times after settling` : '';
  return (
    `${label}, seed ${outcome.seed}: ${result} (bound ${outcome.bound} ms${moved}), close took ${Math.round(outcome.closed)} ms; ` +
    `steps: ${outcome.steps.map(describeStep).join(' → ')}. Replay with FAULT_SEED=${outcome.seed}.`
  );
}
