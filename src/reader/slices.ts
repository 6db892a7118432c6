// A walk of a large tree on the event loop is cut into slices of bounded work: it counts what it does on a meter and
// yields when the meter runs out, and whoever drives it lets the event loop turn before the next slice. The walks
// themselves know nothing of the event loop; the loader drives them (`src/loader/slices.ts`).

/** What a sliced walk may still do before it yields: one unit a value it visits (or a key it copies). */
export interface Meter {
  left: number;
}

/** A sliced walk: it yields when its meter runs out, and returns its result. */
export type Walk<T> = Generator<undefined, T, undefined>;

/** Runs a sliced walk to its end without yielding to anyone (a meter that never runs out). */
export function walkWhole<T>(start: (meter: Meter) => Walk<T>): T {
  const meter: Meter = { left: Infinity };
  const steps = start(meter);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    meter.left = Infinity;
  }
}
