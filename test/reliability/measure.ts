// What the reliability suite measures of an attack: the CPU it cost, how long it held the event loop, and the
// memory it left held. CPU time is the verdict (a loaded machine stretches wall-clock time, not work); the other
// figures are printed with it.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The heap in use after full collections. */
export function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** The memory of Buffers and ArrayBuffers after full collections. */
export function buffersUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().arrayBuffers;
}

/** What one attack cost. */
export interface Cost<T> {
  /** What the work returned (undefined when it threw). */
  value: T | undefined;
  /** What it threw. */
  error: unknown;
  /** CPU time of the process while it ran (ms). */
  cpuMs: number;
  /** The longest time the event loop was held at once while it ran (ms of wall-clock time). */
  blockedMs: number;
  /**
   * The most CPU time the event loop's own thread spent at once, between two calls of a timer (ms, to 10 ms): what
   * held the loop, without the time a loaded machine's scheduler kept it waiting. Undefined where the system does
   * not tell a thread's CPU time (Linux does).
   */
  blockedCpuMs: number | undefined;
  /** Heap left in use after it, less what was in use before (bytes), with what it returned still held. */
  heldBytes: number;
}

/** Runs the work and measures what it cost. */
export async function measure<T>(work: () => T | Promise<T>): Promise<Cost<T>> {
  const before = heapUsed();
  // A timer every millisecond: the longest gap between two of its calls is the longest the loop was held.
  let last = performance.now();
  let blockedMs = 0;
  let lastCpu = loopCpuMs();
  let blockedCpuMs = lastCpu === undefined ? undefined : 0;
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    blockedMs = Math.max(blockedMs, now - last);
    last = now;
    const cpuNow = loopCpuMs();
    if (cpuNow !== undefined && lastCpu !== undefined && blockedCpuMs !== undefined) blockedCpuMs = Math.max(blockedCpuMs, cpuNow - lastCpu);
    lastCpu = cpuNow;
    if (ticking) timer = setTimeout(tick, 1);
  };
  let timer = setTimeout(tick, 1);
  const cpu = process.cpuUsage();
  let value: T | undefined;
  let error: unknown;
  try {
    value = await work();
  } catch (thrown) {
    error = thrown;
  }
  const spent = process.cpuUsage(cpu);
  tick();
  ticking = false;
  clearTimeout(timer);
  const heldBytes = heapUsed() - before;
  return { value, error, cpuMs: (spent.user + spent.system) / 1000, blockedMs, blockedCpuMs, heldBytes };
}

/** Where the system tells the CPU time of the event loop's thread: the main thread's task, whose id is the pid. */
const LOOP_STAT = `/proc/self/task/${process.pid}/stat`;

/**
 * The CPU time the event loop's thread has used (ms): its task's user and system time, in the kernel's clock ticks
 * of 10 ms (USER_HZ is 100 on Linux); undefined where there is no such file.
 */
export function loopCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(LOOP_STAT, 'latin1');
  } catch {
    return undefined;
  }
  // Fields after the command's closing parenthesis, from the third (state): utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `12.3 ms` / `1.2 s`. */
export function ms(value: number): string {
  return value < 1000 ? `${value.toFixed(value < 10 ? 2 : 0)} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** `1.2 MiB` / `34 KiB`. */
export function mib(bytes: number): string {
  return Math.abs(bytes) < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Prints one attack's figures: `[reliability] name: CPU …, event loop held …, heap held … (note)`. */
export function report(name: string, cost: Cost<unknown>, note?: string): void {
  console.log(
    `[reliability] ${name}: CPU ${ms(cost.cpuMs)}, event loop held ${ms(cost.blockedMs)}${cost.blockedCpuMs === undefined ? '' : ` (its thread's CPU ${ms(cost.blockedCpuMs)})`}, heap held ${mib(cost.heldBytes)}${note ? ` (${note})` : ''}`,
  );
}

/**
 * How many times longer than its CPU time the wall clock runs for this process now, at least 1: about 1 on an idle
 * machine, 8 when eight busy threads share its cores. A bar on wall-clock time is scaled by it, so a loaded machine
 * stretches the bar as it stretches the work. Measured by spinning for `duration` ms.
 */
export function starvation(duration = 300): number {
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < duration) {
    // Spinning: the CPU time this gets, against the wall-clock time it takes.
  }
  const spent = process.cpuUsage(cpu);
  return Math.max(1, duration / Math.max(1, (spent.user + spent.system) / 1000));
}
