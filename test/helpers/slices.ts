import type { Meter, Walk } from '../../src/reader/slices.ts';

/** Runs a sliced walk, its meter filled with `slice` units at the start and after each yield; its result and yields. */
export function drive<T>(start: (meter: Meter) => Walk<T>, slice: number): { result: T; yields: number } {
  const meter: Meter = { left: slice };
  const steps = start(meter);
  let yields = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { result: step.value, yields };
    yields++;
    meter.left = slice;
  }
}
