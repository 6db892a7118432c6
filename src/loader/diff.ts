import type { Meter, Walk } from '../reader/slices.ts';
import { countKeys, deepEqual, equalInSlices, isObject, type Tree, type TreeObject } from '../reader/tree.ts';

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
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
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
        walk(before as TreeObject, after as TreeObject, segments, out);
        segments.pop();
        continue;
      }
      if (deepEqual(before, after)) continue;
    } else if (Object.is(before, after)) continue;
    out.push({ segments: pathTo(segments, key), previous: before, current: after });
  }
  if (shared === countKeys(b)) return;
  for (const key of Object.keys(b)) {
    if (Object.hasOwn(a, key)) continue;
    const after = b[key];
    if (after !== undefined) out.push({ segments: pathTo(segments, key), previous: undefined, current: after });
  }
}

function sameObjects(a: TreeObject, b: TreeObject): boolean {
  const keys = Object.keys(a);
  let shared = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const before = a[key];
    let after: Tree | undefined;
    if (Object.hasOwn(b, key)) {
      after = b[key];
      shared++;
    }
    if (before === after) continue;
    if (isObject(before) && isObject(after)) {
      if (!sameObjects(before, after)) return false;
    } else if (!deepEqual(before, after)) return false;
  }
  if (shared === countKeys(b)) return true;
  for (const key of Object.keys(b)) if (!Object.hasOwn(a, key) && b[key] !== undefined) return false;
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
        yield* walkInSlices(before as TreeObject, after as TreeObject, segments, out, meter);
        segments.pop();
        continue;
      }
      if (yield* equalInSlices(before, after, meter)) continue;
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
      if (!(yield* sameInSlices(before, after, meter))) return false;
    } else if (!(yield* equalInSlices(before, after, meter))) return false;
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
