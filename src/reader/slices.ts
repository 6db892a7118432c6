// A walk of a large tree on the event loop is cut into slices of bounded work: it counts what it does on a meter and
// yields when the meter runs out, and whoever drives it lets the event loop turn before the next slice. The walks
// themselves know nothing of the event loop; the loader drives them (`src/loader/slices.ts`).
//
// A generator a node costs the walk three to four times its work (130,000 values frozen: 37 ms against 10), so a sliced
// walk is a generator only where a slice ends: it walks each child with a plain recursive function counting on the
// same meter (`...Within`), and only a child in which the meter ran out is walked again as a generator, its own
// children the same way. A plain walk that ran out gives up its result (`UNFINISHED`), or keeps what it finished
// where that stays true (a frozen node); at most what one slice did is walked again.

/** What a sliced walk may still do before it yields: one unit a value it visits (or a key it copies). */
export interface Meter {
  left: number;
}

/** What a plain walk within the meter answers when the meter ran out before it was done. */
export const UNFINISHED: unique symbol = Symbol('unfinished');

/** A meter that never runs out: a plain walk within it is the one-step walk. */
export const UNMETERED: Meter = { left: Infinity };

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
