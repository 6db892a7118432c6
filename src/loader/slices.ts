import type { Meter, Walk } from '../reader/slices.ts';

/**
 * How much a walk of a layer does between two turns of the event loop: about this many values visited (a few
 * milliseconds of intern, freeze, merge or diff). A walk that ends within its first slice never yields.
 */
export const SLICE_VALUES = 8192;

/**
 * How many values make a layer large: its walks after decoding (intern, freeze, merge, diff) are then run in slices,
 * the event loop turning between them. Below it they run as one step, as any small document's do: a slice would
 * only add a turn of the event loop to a change that takes well under a slice anyway.
 */
export const LARGE_LAYER_VALUES = 16_384;

/**
 * Runs a sliced walk: its first slice at once, and each next one after a turn of the event loop (`setImmediate`),
 * so that timers, I/O and other work run between them. A walk done within its first slice returns its result
 * itself, not a promise: no turn is added. `abandon`, asked before each next slice, ends the walk (undefined).
 */
export function inSlices<T>(start: (meter: Meter) => Walk<T>, abandon: () => boolean): T | Promise<T | undefined> {
  const meter: Meter = { left: SLICE_VALUES };
  const steps = start(meter);
  const first = steps.next();
  if (first.done) return first.value;
  return (async () => {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (abandon()) {
        steps.return(undefined as T);
        return undefined;
      }
      meter.left = SLICE_VALUES;
      const step = steps.next();
      if (step.done) return step.value;
    }
  })();
}
