import { inheritsKeys } from './inherited.ts';
import { UNFINISHED, ranOut, ranOutBefore, ranOutInside, type Meter, type Walk } from './slices.ts';
import { countKeys, deepEqual, equalInSlices, equalWithin, isObject, type Tree } from './tree.ts';

/**
 * Returns `next`, but with every subtree that equals the same path of `previous` replaced by the previous node
 * itself. A source that re-reads a whole document (a file, a KV prefix) then hands over a layer that shares all
 * it did not change, so merging and diffing afterwards cost what changed, not the document's size. An unfrozen
 * `next` (a layer just decoded, which nothing else holds yet) takes the previous nodes in place rather than being
 * copied: a copy of a large object is one long step of the event loop.
 */
export function intern(previous: Tree | undefined, next: Tree, inherited = inheritsKeys()): Tree {
  if (previous === next || previous === undefined) return next;
  if (isObject(previous) && isObject(next)) return internObject(previous, next, inherited);
  if (Array.isArray(previous) && Array.isArray(next)) return deepEqual(previous, next) ? previous : next;
  return Object.is(previous, next) ? previous : next;
}

function internObject(previous: Readonly<Record<string, Tree>>, next: Readonly<Record<string, Tree>>, inherited: boolean): Tree {
  let count = 0;
  // Until a child differs, nothing is copied: most nodes of a re-read equal their previous version and come back
  // as that very node, so a copy of them would be thrown away.
  let out: Record<string, Tree> | undefined;
  const inPlace = !Object.isFrozen(next);
  let differs = false;
  // for-in over the plain objects of a layer: no key arrays are allocated on this path, walked once per re-read.
  for (const key in next) {
    if (inherited && !Object.hasOwn(next, key)) continue;
    count++;
    const child = next[key]!;
    const before = Object.hasOwn(previous, key) ? previous[key] : undefined;
    // Scalars, the most common children, are compared here rather than in a call.
    const kept =
      before === undefined ? child : typeof child !== 'object' || child === null ? (Object.is(before, child) ? before : child) : intern(before, child, inherited);
    if (inPlace) {
      if (kept !== child) (next as Record<string, Tree>)[key] = kept;
      differs ||= kept !== before;
    } else if (out !== undefined) {
      if (kept !== child) out[key] = kept;
    } else if (kept !== before) {
      out = divergeAt(previous, next, key, inherited);
      if (kept !== child) out[key] = kept;
    }
  }
  if (inPlace) return !differs && count === countKeys(previous, inherited) ? previous : next;
  if (out === undefined && count === countKeys(previous, inherited)) return previous;
  // Every key of `next` was kept as `previous` holds it, but `previous` has more: only the shared children count.
  return out ?? sharedCopy(previous, next, inherited);
}

/** A copy of `next` whose keys before `key` (each equal to `previous`'s) hold the previous nodes. */
function divergeAt(previous: Readonly<Record<string, Tree>>, next: Readonly<Record<string, Tree>>, key: string, inherited: boolean): Record<string, Tree> {
  const out: Record<string, Tree> = { ...next };
  for (const earlier in next) {
    if (earlier === key) break;
    if (inherited && !Object.hasOwn(next, earlier)) continue;
    out[earlier] = previous[earlier]!;
  }
  return out;
}

/** A copy of `next` holding `previous`'s nodes, for a `next` whose every key matched but which has fewer keys. */
function sharedCopy(previous: Readonly<Record<string, Tree>>, next: Readonly<Record<string, Tree>>, inherited: boolean): Record<string, Tree> {
  const out: Record<string, Tree> = { ...next };
  for (const key in next) if (!inherited || Object.hasOwn(next, key)) out[key] = previous[key]!;
  return out;
}

/**
 * `intern` of an unfrozen `next` as long as the meter lasts (see `slices.ts`): `UNFINISHED` when it ran out first.
 * What it took in place by then is equal to what it replaced, and is found shared by the next walk of the node.
 */
function internWithin(previous: Tree | undefined, next: Tree, meter: Meter, inherited: boolean): Tree | typeof UNFINISHED {
  if (previous === next || previous === undefined) return next;
  if (isObject(previous) && isObject(next)) {
    if (Object.isFrozen(next)) return intern(previous, next, inherited);
    let count = 0;
    let differs = false;
    const out = next as Record<string, Tree>;
    for (const key in out) {
      if (inherited && !Object.hasOwn(out, key)) continue;
      count++;
      if (--meter.left <= 0) return ranOut(meter);
      const child = out[key]!;
      const before = Object.hasOwn(previous, key) ? previous[key] : undefined;
      const kept =
        before === undefined
          ? child
          : typeof child !== 'object' || child === null
            ? Object.is(before, child)
              ? before
              : child
            : internWithin(before, child, meter, inherited);
      if (kept === UNFINISHED) return ranOutInside(meter, child as object);
      if (kept !== child) out[key] = kept;
      differs ||= kept !== before;
    }
    return !differs && count === countKeys(previous, inherited) ? previous : next;
  }
  if (Array.isArray(previous) && Array.isArray(next)) {
    const same = equalWithin(previous, next, meter);
    return same === UNFINISHED ? same : same ? previous : next;
  }
  return Object.is(previous, next) ? previous : next;
}

/**
 * `intern` in slices (see `slices.ts`), for a `next` that nothing else holds yet (a layer decoded off the event loop):
 * it takes the previous nodes in place, as `intern` does an unfrozen tree. A frozen node of `next` is interned whole.
 */
export function* internInSlices(previous: Tree | undefined, next: Tree, meter: Meter, inherited = inheritsKeys()): Walk<Tree> {
  if (previous === next || previous === undefined) return next;
  if (isObject(previous) && isObject(next)) {
    if (Object.isFrozen(next)) return intern(previous, next, inherited);
    let count = 0;
    let differs = false;
    const out = next as Record<string, Tree>;
    for (const key in out) {
      if (inherited && !Object.hasOwn(out, key)) continue;
      count++;
      if (--meter.left <= 0) yield;
      const child = out[key]!;
      const before = Object.hasOwn(previous, key) ? previous[key] : undefined;
      let kept =
        before === undefined
          ? child
          : typeof child !== 'object' || child === null
            ? Object.is(before, child)
              ? before
              : child
            : ranOutBefore(meter, child) ? UNFINISHED : internWithin(before, child, meter, inherited);
      if (kept === UNFINISHED) kept = yield* internInSlices(before, child, meter, inherited);
      if (kept !== child) out[key] = kept;
      differs ||= kept !== before;
    }
    return !differs && count === countKeys(previous, inherited) ? previous : next;
  }
  if (Array.isArray(previous) && Array.isArray(next)) {
    const same = ranOutBefore(meter, next) ? UNFINISHED : equalWithin(previous, next, meter);
    return (same === UNFINISHED ? yield* equalInSlices(previous, next, meter) : same) ? previous : next;
  }
  return Object.is(previous, next) ? previous : next;
}
