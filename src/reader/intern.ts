import { deepEqual, isObject, type Tree } from './tree.ts';

/**
 * Returns `next`, but with every subtree that equals the same path of `previous` replaced by the previous node
 * itself. A source that re-reads a whole document (a file, a KV prefix) then hands over a layer that shares all
 * it did not change, so merging and diffing afterwards cost what changed, not the document's size.
 */
export function intern(previous: Tree | undefined, next: Tree): Tree {
  if (previous === next || previous === undefined) return next;
  if (isObject(previous) && isObject(next)) {
    let count = 0;
    let allSame = true;
    let out: Record<string, Tree> | undefined;
    // for-in over the plain objects of a layer: no key arrays are allocated on this path, walked once per re-read.
    for (const key in next) {
      count++;
      const child = next[key]!;
      const before = Object.hasOwn(previous, key) ? previous[key] : undefined;
      // Scalars, the most common children, are compared here rather than in a call.
      const kept =
        before === undefined ? child : typeof child !== 'object' || child === null ? (Object.is(before, child) ? before : child) : intern(before, child);
      if (kept !== before) allSame = false;
      if (kept !== child) (out ??= { ...next })[key] = kept;
    }
    if (allSame && count === countKeys(previous)) return previous;
    return out ?? next;
  }
  if (Array.isArray(previous) && Array.isArray(next)) return deepEqual(previous, next) ? previous : next;
  return Object.is(previous, next) ? previous : next;
}

function countKeys(node: object): number {
  let count = 0;
  for (const _ in node) count++;
  return count;
}
