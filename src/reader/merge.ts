import { inheritsKeys } from './inherited.ts';
import { UNFINISHED, UNMETERED, ranOut, ranOutBefore, ranOutInside, type Meter, type Walk } from './slices.ts';
import { countKeys, deepFreeze, freezeInSlices, isEmpty, isObject, type Tree, type TreeObject } from './tree.ts';

// A small merge of our own instead of deepmerge: deepmerge ≤ 4.3.1 re-parents its result to attacker data for
// some target shapes (CVE-2026-93753), and it concatenates arrays by default. This one reads only the own keys
// of already-normalized, frozen trees (hostile keys are dropped before any layer gets here), never the target's
// shape, and shares untouched subtrees instead of copying them.

/**
 * Merges `later` over `earlier`: objects merge deeply, anything else in `later` (scalar, array, null) replaces
 * what was there, and an object replaces a scalar (Go Config's v6 rules).
 */
export function mergeTrees(earlier: Tree, later: Tree, depth = 0, inherited = inheritsKeys()): Tree {
  return mergeWithin(earlier, later, UNMETERED, depth, inherited) as Tree;
}

/** `mergeTrees` as long as the meter lasts (see `slices.ts`): `UNFINISHED` when it ran out first. */
function mergeWithin(earlier: Tree, later: Tree, meter: Meter, depth: number, inherited: boolean): Tree | typeof UNFINISHED {
  // Nothing is frozen here: `mergeLayers` freezes what its final result holds, once, so the parts of a layer that
  // a later layer supersedes are never walked to be frozen.
  if (!isObject(later) || !isObject(earlier)) return later;
  // Over nothing (the first layer, a subtree only `later` has), `later` is the merge: it is not walked, not even to
  // ask whether it is empty too (either empty node is the merge then), which for a layer of many keys means listing
  // them all (see `countKeys`).
  if (isEmpty(earlier, inherited)) return later;
  // Layers are frozen and shared between merges: the same pair of nodes always merges to the same node, so a
  // re-merge after one layer changed rebuilds only the paths that changed, and the diff finds the rest shared.
  // A later node is almost always merged over the same earlier node, so one entry per later node is enough.
  // Only the top levels are remembered: that keeps a re-merge after a change to the size of the subtrees it
  // touches below them, without paying a memo entry for every node of a large first load.
  const remembered = depth < MEMO_DEPTH;
  const known = remembered ? memo.get(later) : undefined;
  if (known !== undefined && known.earlier === earlier) return known.merged;
  // When `later` holds every key of `earlier` and every merged child is `later`'s own, the merged node is `later`
  // itself: a layer that restates a whole subtree costs no new object. for-in rather than Object.keys: no key
  // array is allocated per node, which a large first load would pay for every object it holds.
  let count = 0;
  let inBoth = 0;
  let out: Record<string, Tree> | undefined;
  for (const key in later) {
    if (inherited && !Object.hasOwn(later, key)) continue;
    count++;
    if (--meter.left <= 0) return ranOut(meter);
    const next = later[key]!;
    let child: Tree = next;
    if (Object.hasOwn(earlier, key)) {
      inBoth++;
      // Only an object merges; a scalar, an array or null simply replaces (checked here, without a call).
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        const merged = mergeWithin(earlier[key]!, next, meter, depth + 1, inherited);
        if (merged === UNFINISHED) return ranOutInside(meter, next);
        child = merged;
      }
    }
    if (out === undefined && child !== next) {
      out = copyUpTo(earlier, later, key, inherited);
      meter.left -= countKeys(earlier, inherited);
    }
    if (out !== undefined) out[key] = child;
  }
  if (count === 0) return earlier;
  let merged: TreeObject;
  if (out !== undefined) merged = out;
  else if (inBoth === countKeys(earlier, inherited)) merged = later;
  else {
    merged = assign({ ...earlier }, later, inherited);
    meter.left -= countKeys(earlier, inherited) + count;
  }
  if (remembered) memo.set(later, { earlier, merged });
  return merged;
}

/** `earlier` with `later`'s keys that come before `key` laid over it (each of them `later`'s own value). */
function copyUpTo(earlier: TreeObject, later: TreeObject, key: string, inherited: boolean): Record<string, Tree> {
  const out: Record<string, Tree> = { ...earlier };
  for (const before in later) {
    if (before === key) break;
    if (inherited && !Object.hasOwn(later, before)) continue;
    out[before] = later[before]!;
  }
  return out;
}

function assign(out: Record<string, Tree>, from: TreeObject, inherited: boolean): Record<string, Tree> {
  for (const key in from) if (!inherited || Object.hasOwn(from, key)) out[key] = from[key]!;
  return out;
}

const MEMO_DEPTH = 3;
const memo = new WeakMap<TreeObject, { earlier: TreeObject; merged: TreeObject }>();

/** Merges layers in order (later wins); the result is frozen and shares nodes with the layers. */
export function mergeLayers(layers: readonly Tree[]): TreeObject {
  let merged: Tree = EMPTY;
  const inherited = inheritsKeys();
  for (const layer of layers) {
    // A null layer (an empty document) contributes nothing; the loader rejects other non-objects.
    if (isObject(layer)) merged = mergeTrees(merged, layer, 0, inherited);
  }
  // Frozen subtrees (shared with an earlier snapshot) are not walked again.
  return deepFreeze(merged as TreeObject, inherited);
}

const EMPTY: TreeObject = Object.freeze({});

/**
 * `mergeTrees` in slices (see `slices.ts`): the same merge, sharing its memo, for layers large enough that one walk
 * of them would hold the event loop. Copying a large node is one step that cannot be cut, counted on the meter.
 */
function* mergeInSlices(earlier: Tree, later: Tree, meter: Meter, depth: number, inherited: boolean): Walk<Tree> {
  if (!isObject(later) || !isObject(earlier)) return later;
  if (isEmpty(earlier, inherited)) return later;
  const remembered = depth < MEMO_DEPTH;
  const known = remembered ? memo.get(later) : undefined;
  if (known !== undefined && known.earlier === earlier) return known.merged;
  let count = 0;
  let inBoth = 0;
  let out: Record<string, Tree> | undefined;
  for (const key in later) {
    if (inherited && !Object.hasOwn(later, key)) continue;
    count++;
    if (--meter.left <= 0) yield;
    const next = later[key]!;
    let child: Tree = next;
    if (Object.hasOwn(earlier, key)) {
      inBoth++;
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        const merged = ranOutBefore(meter, next) ? UNFINISHED : mergeWithin(earlier[key]!, next, meter, depth + 1, inherited);
        child = merged === UNFINISHED ? yield* mergeInSlices(earlier[key]!, next, meter, depth + 1, inherited) : merged;
      }
    }
    if (out === undefined && child !== next) {
      out = copyUpTo(earlier, later, key, inherited);
      meter.left -= countKeys(earlier, inherited);
    }
    if (out !== undefined) out[key] = child;
  }
  if (count === 0) return earlier;
  let merged: TreeObject;
  if (out !== undefined) merged = out;
  else if (inBoth === countKeys(earlier, inherited)) merged = later;
  else {
    const copy: Record<string, Tree> = { ...earlier };
    meter.left -= countKeys(earlier);
    for (const key in later) {
      if (inherited && !Object.hasOwn(later, key)) continue;
      if (--meter.left <= 0) yield;
      copy[key] = later[key]!;
    }
    merged = copy;
  }
  if (remembered) memo.set(later, { earlier, merged });
  return merged;
}

/** `mergeLayers` in slices (see `slices.ts`): the merged tree, frozen, once the walk returns it. */
export function* mergeLayersInSlices(layers: readonly Tree[], meter: Meter): Walk<TreeObject> {
  let merged: Tree = EMPTY;
  const inherited = inheritsKeys();
  for (const layer of layers) {
    if (isObject(layer)) merged = yield* mergeInSlices(merged, layer, meter, 0, inherited);
  }
  yield* freezeInSlices(merged, meter, inherited);
  return merged as TreeObject;
}
