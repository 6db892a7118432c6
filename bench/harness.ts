// What every benchmark section shares: the run's mode, the figures and goals it records, and the statistics.
import { measure } from 'mitata';

/** `--quick`: the under-a-minute run CI makes; it fails when a goal is missed by more than 50%. */
export const quick = process.argv.includes('--quick');

/** One figure of the run. */
export interface Result {
  name: string;
  value: number;
  unit: string;
  note?: string | undefined;
}

/** One goal: what was measured against what was aimed for. */
export interface Goal {
  what: string;
  measured: number;
  goal: number;
  better: 'lower' | 'higher';
  text: string;
  /** For nanosecond-scale ratios: the excess over the goal in ns, forgiven by the quick check when tiny. */
  slackNs?: number | undefined;
  /** False for a goal the quick run reports but only the full run judges (a ratio or maximum a few samples cannot hold). */
  quickCheck?: boolean | undefined;
}

/** Every figure recorded, in order. */
export const results: Result[] = [];
/** Every goal recorded, in order. */
export const goals: Goal[] = [];

/** Records a figure and prints it. */
export function record(name: string, value: number, unit: string, note?: string): void {
  results.push({ name, value, unit, note });
  console.log(`${name.padEnd(58)} ${value.toFixed(unit === 'ns' ? 1 : 3).padStart(12)} ${unit}${note ? `  ${note}` : ''}`);
}

/** Records a goal. */
export function goal(
  what: string,
  measured: number,
  target: number,
  better: 'lower' | 'higher',
  text: string,
  options: { slackNs?: number; quickCheck?: boolean } = {},
): void {
  goals.push({ what, measured, goal: target, better, text, ...options });
}

/** True when a goal is met. */
export function met(g: Goal): boolean {
  return g.better === 'lower' ? g.measured <= g.goal : g.measured >= g.goal;
}

/**
 * Goals the quick run reports but does not fail on, named in MICROCONF_BENCH_REPORT_ONLY (`;`-separated): those
 * known to be missed on the machines CI runs on, which README › Performance lists as missed, so that the run still
 * guards every other goal.
 */
const reportOnly = new Set((process.env.MICROCONF_BENCH_REPORT_ONLY ?? '').split(';').map((what) => what.trim()).filter(Boolean));

/** True when a goal is missed by more than 50% (what fails the quick run). */
export function missedBadly(g: Goal): boolean {
  if (g.quickCheck === false || reportOnly.has(g.what)) return false;
  return g.better === 'lower' ? g.measured > g.goal * 1.5 && !(g.slackNs !== undefined && g.slackNs <= 8) : g.measured < g.goal / 1.5;
}

/** The median. */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The p-th percentile (nearest rank). */
export const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;

/**
 * The median of a measurement, the best of three: a nanosecond-scale figure swings with the JIT's state of the
 * moment, and the best of a few runs is the stable one (for every library and floor alike).
 */
export async function ns(fn: () => unknown, share = 1): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 3; run++) best = Math.min(best, (await measure(fn, { min_cpu_time: share * (quick ? 40e6 : 200e6) })).p50);
  return best;
}

/** Waits. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
