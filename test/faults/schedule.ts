// Seeded fault schedules: the same seed always gives the same steps, so a failure can be replayed with its seed.
import type { Direction } from '../helpers/proxy.ts';
import { random } from '../helpers/random.ts';

/** One step of a schedule. Durations are in ms; writes go on throughout. */
export type Step =
  // The network between the source and the store (a TCP proxy).
  | { kind: 'cut'; ms: number } // every connection reset, new ones refused
  | { kind: 'reset' } // every connection reset once
  | { kind: 'stall'; direction: Direction; ms: number } // bytes held, then delivered
  | { kind: 'blackhole'; direction: Direction; ms: number } // bytes dropped (half-open), then the connection reset
  | { kind: 'delay'; latency: number; ms: number } // every chunk late
  | { kind: 'flap'; times: number; period: number } // cut and healed again and again
  | { kind: 'calm'; ms: number } // nothing but writes
  // The store itself.
  | { kind: 'restart'; ms: number } // killed (etcd: SIGKILL) and started again on the same data
  | { kind: 'pause'; ms: number } // etcd frozen with SIGSTOP, then SIGCONT
  | { kind: 'compact' } // etcd compacted at its current revision
  | { kind: 'cutCompact'; ms: number } // cut off, written to and compacted meanwhile, then healed
  | { kind: 'wipe'; ms: number } // etcd's data directory wiped: a fresh, empty cluster
  | { kind: 'freshPast' } // a fresh cluster taken past the old revision while the source is cut off
  | { kind: 'resetIndex' } // Consul's index moved back, as a snapshot restore does
  | { kind: 'error500'; ms: number } // Consul answering 500
  | { kind: 'hang'; ms: number } // Consul not answering
  | { kind: 'foreign'; ms: number }; // something in front of Consul answering with an HTML page

/** The kinds a store's schedules draw from. */
export type StepKind = Step['kind'];

const NETWORK: readonly StepKind[] = ['cut', 'reset', 'stall', 'blackhole', 'delay', 'flap', 'calm'];

/** The step kinds for each store: the network's, and the store's own faults. */
export const KINDS: Readonly<Record<'etcd' | 'consul', readonly StepKind[]>> = {
  etcd: [...NETWORK, 'restart', 'pause', 'compact', 'cutCompact', 'wipe', 'freshPast'],
  consul: [...NETWORK, 'restart', 'resetIndex', 'error500', 'hang', 'foreign'],
};

/** The schedule of a seed: three to six steps drawn from the store's kinds. */
export function schedule(seed: number, kinds: readonly StepKind[]): Step[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const between = (low: number, high: number) => Math.round(low + next() * (high - low));
  const direction = (): Direction => pick(['up', 'down', 'both'] as const);
  const steps: Step[] = [];
  const count = between(3, 6);
  for (let i = 0; i < count; i++) {
    const kind = pick(kinds);
    switch (kind) {
      case 'cut':
      case 'restart':
      case 'pause':
      case 'cutCompact':
      case 'wipe':
      case 'error500':
      case 'hang':
      case 'foreign':
        steps.push({ kind, ms: between(30, 300) });
        break;
      case 'stall':
      case 'blackhole':
        steps.push({ kind, direction: direction(), ms: between(30, 300) });
        break;
      case 'delay':
        steps.push({ kind, latency: between(5, 80), ms: between(50, 300) });
        break;
      case 'flap':
        steps.push({ kind, times: between(2, 6), period: between(20, 120) });
        break;
      case 'calm':
        steps.push({ kind, ms: between(20, 200) });
        break;
      case 'reset':
      case 'compact':
      case 'freshPast':
      case 'resetIndex':
        steps.push({ kind });
        break;
    }
  }
  return steps;
}

/** A step in a few words, for test names and failure messages. */
export function describeStep(step: Step): string {
  const { kind, ...rest } = step;
  const details = Object.entries(rest).map(([key, value]) => `${key} ${String(value)}`);
  return details.length > 0 ? `${kind} (${details.join(', ')})` : kind;
}

/** Which seeds to run: `FAULT_SEED` alone (a replay), or `FAULT_SCHEDULES` of them (default `count`) from `FAULT_FIRST_SEED`. */
export function seeds(count: number): number[] {
  const replay = process.env.FAULT_SEED;
  if (replay !== undefined) return [Number(replay)];
  const total = Number(process.env.FAULT_SCHEDULES ?? count);
  const first = Number(process.env.FAULT_FIRST_SEED ?? 1);
  return Array.from({ length: total }, (_, i) => first + i);
}
