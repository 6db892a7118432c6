import { UNFINISHED, UNMETERED, ranOut, ranOutBefore, ranOutInside, type Meter, type Walk } from '../reader/slices.ts';
import { countKeys, equalInSlices, equalWithin, isObject, knownCount, type Tree, type TreeObject } from '../reader/tree.ts';

/** One path whose value differs between two snapshots. */
export interface TreeChange {
  /** The path's segments. */
  segments: readonly string[];
  /** The value before (undefined when it did not exist). */
  previous: Tree | undefined;
  /** The value after (undefined when it no longer exists). */
  current: Tree | undefined;
}

/**
 * The paths where two trees differ, at the deepest point where both sides are still objects: a changed leaf is
 * reported at the leaf, a replaced subtree (object → scalar, array → array) at the subtree. Shared nodes are
 * skipped by reference, so unchanged layers cost little.
 */
export function diffTrees(previous: TreeObject, current: TreeObject): TreeChange[] {
  const out: TreeChange[] = [];
  if (previous !== current) walk(previous, current, [], out);
  return out;
}

/**
 * True exactly when `diffTrees` finds a change, found without listing them: it stops at the first. A reload that
 * changes every value of a large layer, with nobody to tell which, costs no record per value.
 */
export function treesDiffer(previous: TreeObject, current: TreeObject): boolean {
  return previous !== current && !sameObjects(previous, current);
}

// Both walks read the keys of `a` once (listing the keys of an object of many keys is most of what reading them
// costs), and those of `b` only when it holds more than the keys of `a` it shares: its count is known without
// listing them when `b` is frozen (see `countKeys`). Leaves, most of a tree, are compared without a call.

function walk(a: TreeObject, b: TreeObject, segments: string[], out: TreeChange[]): void {
  walkWithin(a, b, segments, out, UNMETERED);
}

/**
 * `walk` as long as the meter lasts (see `slices.ts`): false when it ran out first, `out` and `segments` then as it
 * found them. An object whose count of keys is known to be over what is left is not listed.
 */
function walkWithin(a: TreeObject, b: TreeObject, segments: string[], out: TreeChange[], meter: Meter): boolean {
  if (knownCount(a) >= meter.left) {
    ranOut(meter);
    return false;
  }
  const found = out.length;
  const depth = segments.length;
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
    if (--meter.left <= 0) {
      ranOut(meter);
      return giveUp(out, found, segments, depth);
    }
    const key = keys[i]!;
    const before = a[key];
    let after: Tree | undefined;
    if (Object.hasOwn(b, key)) {
      after = b[key];
      shared++;
    }
    if (before === after) continue;
    if (typeof before === 'object' && before !== null && typeof after === 'object' && after !== null) {
      if (!Array.isArray(before) && !Array.isArray(after)) {
        segments.push(key);
        if (!walkWithin(before as TreeObject, after as TreeObject, segments, out, meter)) {
          ranOutInside(meter, before);
          return giveUp(out, found, segments, depth);
        }
        segments.pop();
        continue;
      }
      const same = equalWithin(before, after, meter);
      if (same === UNFINISHED) {
        ranOutInside(meter, before);
        return giveUp(out, found, segments, depth);
      }
      if (same) continue;
    } else if (Object.is(before, after)) continue;
    out.push({ segments: pathTo(segments, key), previous: before, current: after });
  }
  if (shared === countKeys(b)) return true;
  for (const key of Object.keys(b)) {
    if (--meter.left <= 0) {
      ranOut(meter);
      return giveUp(out, found, segments, depth);
    }
    if (Object.hasOwn(a, key)) continue;
    const after = b[key];
    if (after !== undefined) out.push({ segments: pathTo(segments, key), previous: undefined, current: after });
  }
  return true;
}

/** Forgets what an unfinished `walkWithin` found: false. */
function giveUp(out: TreeChange[], found: number, segments: string[], depth: number): false {
  out.length = found;
  segments.length = depth;
  return false;
}

function sameObjects(a: TreeObject, b: TreeObject): boolean {
  return sameWithin(a, b, UNMETERED) === true;
}

/** `sameObjects` as long as the meter lasts (see `slices.ts`): `UNFINISHED` when it ran out first. */
function sameWithin(a: TreeObject, b: TreeObject, meter: Meter): boolean | typeof UNFINISHED {
  if (knownCount(a) >= meter.left) return ranOut(meter);
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
    if (--meter.left <= 0) return ranOut(meter);
    const key = keys[i]!;
    const before = a[key];
    let after: Tree | undefined;
    if (Object.hasOwn(b, key)) {
      after = b[key];
      shared++;
    }
    if (before === after) continue;
    const same = isObject(before) && isObject(after) ? sameWithin(before, after, meter) : equalWithin(before, after, meter);
    if (same === UNFINISHED) return ranOutInside(meter, before as object);
    if (!same) return false;
  }
  if (shared === countKeys(b)) return true;
  for (const key of Object.keys(b)) {
    if (--meter.left <= 0) return ranOut(meter);
    if (!Object.hasOwn(a, key) && b[key] !== undefined) return false;
  }
  return true;
}

/** `diffTrees` in slices (see `slices.ts`), for frozen trees. */
export function* diffInSlices(previous: TreeObject, current: TreeObject, meter: Meter): Walk<TreeChange[]> {
  const out: TreeChange[] = [];
  if (previous !== current) yield* walkInSlices(previous, current, [], out, meter);
  return out;
}

/** `treesDiffer` in slices (see `slices.ts`), for frozen trees. */
export function* differInSlices(previous: TreeObject, current: TreeObject, meter: Meter): Walk<boolean> {
  return previous !== current && !(yield* sameInSlices(previous, current, meter));
}

function* walkInSlices(a: TreeObject, b: TreeObject, segments: string[], out: TreeChange[], meter: Meter): Walk<void> {
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
    if (--meter.left <= 0) yield;
    const key = keys[i]!;
    const before = a[key];
    let after: Tree | undefined;
    if (Object.hasOwn(b, key)) {
      after = b[key];
      shared++;
    }
    if (before === after) continue;
    if (typeof before === 'object' && before !== null && typeof after === 'object' && after !== null) {
      if (!Array.isArray(before) && !Array.isArray(after)) {
        segments.push(key);
        if (ranOutBefore(meter, before) || !walkWithin(before as TreeObject, after as TreeObject, segments, out, meter)) yield* walkInSlices(before as TreeObject, after as TreeObject, segments, out, meter);
        segments.pop();
        continue;
      }
      const same = ranOutBefore(meter, before) ? UNFINISHED : equalWithin(before, after, meter);
      if (same === UNFINISHED ? yield* equalInSlices(before, after, meter) : same) continue;
    } else if (Object.is(before, after)) continue;
    out.push({ segments: pathTo(segments, key), previous: before, current: after });
  }
  if (shared === countKeys(b)) return;
  for (const key of Object.keys(b)) {
    if (--meter.left <= 0) yield;
    if (Object.hasOwn(a, key)) continue;
    const after = b[key];
    if (after !== undefined) out.push({ segments: pathTo(segments, key), previous: undefined, current: after });
  }
}

function* sameInSlices(a: TreeObject, b: TreeObject, meter: Meter): Walk<boolean> {
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
    if (--meter.left <= 0) yield;
    const key = keys[i]!;
    const before = a[key];
    let after: Tree | undefined;
    if (Object.hasOwn(b, key)) {
      after = b[key];
      shared++;
    }
    if (before === after) continue;
    if (isObject(before) && isObject(after)) {
      const same = ranOutBefore(meter, before) ? UNFINISHED : sameWithin(before, after, meter);
      if (same === false || (same === UNFINISHED && !(yield* sameInSlices(before, after, meter)))) return false;
    } else {
      const same = typeof before === 'object' && before !== null && ranOutBefore(meter, before) ? UNFINISHED : equalWithin(before, after, meter);
      if (same === false || (same === UNFINISHED && !(yield* equalInSlices(before, after, meter)))) return false;
    }
  }
  if (shared === countKeys(b)) return true;
  for (const key of Object.keys(b)) {
    if (--meter.left <= 0) yield;
    if (!Object.hasOwn(a, key) && b[key] !== undefined) return false;
  }
  return true;
}

/** A copy of `segments` with `key` after them, of its own length (an array grown by a push holds room for more). */
function pathTo(segments: string[], key: string): string[] {
  segments.push(key);
  const path = segments.slice();
  segments.pop();
  return path;
}
