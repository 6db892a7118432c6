import { deepEqual, isObject, type Tree, type TreeObject } from '../reader/tree.ts';

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
  walk(previous, current, [], out);
  return out;
}

function walk(a: Tree | undefined, b: Tree | undefined, segments: string[], out: TreeChange[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      segments.push(key);
      walk(a[key], Object.hasOwn(b, key) ? b[key] : undefined, segments, out);
      segments.pop();
    }
    for (const key of Object.keys(b)) {
      if (Object.hasOwn(a, key)) continue;
      segments.push(key);
      walk(undefined, b[key], segments, out);
      segments.pop();
    }
    return;
  }
  if (!deepEqual(a, b)) out.push({ segments: [...segments], previous: a, current: b });
}
