import { deepEqual, isObject, type Tree } from './tree.ts';

/**
 * Returns `next`, but with every subtree that equals the same path of `previous` replaced by the previous node
 * itself. A source that re-reads a whole document (a file, a KV prefix) then hands over a layer that shares all
 * it did not change, so merging and diffing afterwards cost what changed, not the document's size.
 */
export function intern(previous: Tree | undefined, next: Tree): Tree {
  if (previous === next || previous === undefined) return next;
  if (isObject(previous) && isObject(next)) {
    const keys = Object.keys(next);
    let allSame = keys.length === Object.keys(previous).length;
    let out: Record<string, Tree> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const child = next[key]!;
      const kept = Object.hasOwn(previous, key) ? intern(previous[key], child) : child;
      if (kept !== previous[key]) allSame = false;
      if (kept !== child && out === undefined) {
        // First substitution: copy the children seen so far.
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = next[keys[j]!]!;
      }
      if (out) out[key] = kept;
    }
    if (allSame) return previous;
    return out ?? next;
  }
  if (Array.isArray(previous) && Array.isArray(next)) return deepEqual(previous, next) ? previous : next;
  return Object.is(previous, next) ? previous : next;
}
