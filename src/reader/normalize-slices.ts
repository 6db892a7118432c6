import { overspent } from './budget.ts';
import { copyItems } from './inherited.ts';
import type { Meter, Walk } from './slices.ts';
import { enterContainer, isHostileKey, normalizeAt, type NormalizeOptions, type Tree } from './tree.ts';

/** What a walk of data its caller keeps takes of `NormalizeOptions`: it copies, and freezes nothing. */
export type CopyOptions = Pick<NormalizeOptions, 'maxDepth' | 'transform' | 'budget'>;

/**
 * `normalize` of data its caller keeps (a layer handed over decoded: a memory source's, the environment's, flags',
 * a store's), in slices (see `slices.ts`): the same tree, copied and left unfrozen, the same errors. An object or
 * an array is copied here, one unit of the meter a key or an item; any other value (a leaf, a date, a Map, binary
 * data) is normalized in one step where it is met. A walk stopped between two slices leaves the caller's data as it
 * was.
 */
export function* normalizeInSlices(value: unknown, options: CopyOptions, meter: Meter): Walk<Tree> {
  const walk: NormalizeOptions = { maxDepth: options.maxDepth, transform: options.transform, budget: options.budget, freeze: false };
  return (yield* copyAt(value, 0, walk, meter)) ?? null;
}

/** Whether `normalizeAt` copies a value key by key or item by item (not a date, a Map, a Set or binary data). */
function isContainer(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer) &&
    !(value instanceof Set) &&
    !(value instanceof Map)
  );
}

// The same steps as `normalizeAt`'s copy of a container that is not the caller's, in the same order (the depth,
// then the budget, then each child), so that the same data passes or fails the same way.
function* copyAt(value: unknown, depth: number, options: NormalizeOptions, meter: Meter): Walk<Tree | undefined> {
  if (!isContainer(value)) return normalizeAt(value, depth, options);
  enterContainer(value, depth, options);
  if (Array.isArray(value)) {
    const out: unknown[] = copyItems(value as unknown[]);
    for (let i = 0; i < out.length; i++) {
      if (--meter.left <= 0) yield;
      out[i] = (yield* copyAt(out[i], depth + 1, options, meter)) ?? null;
    }
    return out as Tree[];
  }
  const budget = options.budget;
  const source = value as Record<string, unknown>;
  const out: Record<string, Tree> = {};
  for (const key of Object.keys(source)) {
    if (--meter.left <= 0) yield;
    if (isHostileKey(key)) continue;
    if (budget !== undefined && (budget.left -= key.length) < 0) overspent(budget);
    const item = yield* copyAt(source[key], depth + 1, options, meter);
    if (item !== undefined) out[key] = item;
  }
  return out;
}
