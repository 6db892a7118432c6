// A walk of a large tree on the event loop is cut into slices of bounded work: it counts what it does on a meter and
// yields when the meter runs out, and whoever drives it lets the event loop turn before the next slice. The walks
// themselves know nothing of the event loop; the loader drives them (`src/loader/slices.ts`).
//
// A generator a node costs the walk three to four times its work (130,000 values frozen: 37 ms against 10), so a sliced
// walk is a generator only where a slice ends: it walks each child with a plain recursive function counting on the
// same meter (`...Within`), and only a child in which the meter ran out is walked again as a generator, its own
// children the same way. A plain walk that ran out gives up its result (`UNFINISHED`), or keeps what it finished
// where that stays true (a frozen node). The nodes a plain walk ran out inside are noted on the meter (`ranOut`), and
// the sliced walk goes into those as a generator at once: tried again in one plain step from each level on the way
// down, a deep subtree larger than a slice cost a whole slice a level, nothing gained (a chain 1,000 deep, 961 slices
// of 100 where 40 do). So at most what one slice did is walked again.

/** What a sliced walk may still do before it yields: one unit a value it visits (or a key it copies). */
export interface Meter {
  left: number;
  /** The nodes the last plain walk that ran out was inside when it did (see `ranOutInside`). */
  trail?: Set<object> | undefined;
}

/** What a plain walk within the meter answers when the meter ran out before it was done. */
export const UNFINISHED: unique symbol = Symbol('unfinished');

/** Ends a plain walk at the point where its meter ran out: `UNFINISHED`, a new trail of nodes begun. */
export function ranOut(meter: Meter): typeof UNFINISHED {
  meter.trail = new Set();
  return UNFINISHED;
}

/** Notes that a plain walk ran out inside `node` (the first node its walk of a child was given): `UNFINISHED`. */
export function ranOutInside(meter: Meter, node: object): typeof UNFINISHED {
  meter.trail?.add(node);
  return UNFINISHED;
}

/** True when the last plain walk that ran out did so inside `node`: walked in one step again, it would run out again. */
export function ranOutBefore(meter: Meter, node: object): boolean {
  return meter.trail?.has(node) === true;
}

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
