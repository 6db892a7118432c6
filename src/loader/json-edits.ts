// A JSON text decoded from the leaves it rewrote in the text its previous layer was mapped from (see `TextMap`):
// what a watched config file's change nearly always is, for a small part of what its whole decode costs.
import type { Environment } from '../reader/expand.ts';
import { freezeCopy, type Tree, type TreeObject } from '../reader/tree.ts';
import type { DecodeLimits } from './decode-text.ts';
import { keepTextMap, literalEnd, mayHoldVariables, QUOTE, stringEnd, textMapOf, type TextMap } from './json-text-map.ts';

export { isMapped, mapJsonText } from './json-text-map.ts';

/** A layer decoded from the edits of a text: its tree, and how many values it holds. */
export interface PatchedLayer {
  readonly tree: Tree;
  readonly values: number;
}

/** More leaves changed than this and the text is decoded whole: a rewrite, not an edit. */
const MOST_EDITS = 64;

/** Compared this many characters at a time (one comparison of two slices, in the engine) before one by one. */
const RUN = 256;

/**
 * The layer of a JSON text decoded from what differs between it and the text `previous` was decoded from, when
 * that is a few leaves rewritten in place (each still one JSON string, number, `true`, `false` or `null`):
 * `previous` with those leaves replaced, its other nodes its own, frozen. The text is then valid JSON that
 * `JSON.parse` reads as that tree: everything else in it is the previous text, unchanged, and each new leaf is a
 * whole JSON value on its own, between the same neighbours. Undefined, for a whole decode, when `previous` has no
 * map, or the text differs in any other way (a key, a member added, spacing) or is not valid there, or a new leaf
 * is a number beyond a double's range, or the layer would be over its size budget (or at its edge, see `longest`),
 * or `limits` are not those the previous text was decoded within: the whole decode then says so as it always does.
 */
export function decodeEdits(previous: Tree, text: string, limits: DecodeLimits, env: Environment | undefined): PatchedLayer | undefined {
  const map = textMapOf(previous);
  if (map === undefined || !sameLimits(map.limits, limits) || (map.variables && env !== undefined)) return undefined;
  let variables = map.variables;
  const old = map.text;
  const edited: number[] = [];
  const leaves: Tree[] = [];
  const newEnds: number[] = [];
  let i = 0;
  let j = 0;
  for (;;) {
    while (i + RUN <= old.length && j + RUN <= text.length && old.slice(i, i + RUN) === text.slice(j, j + RUN)) {
      i += RUN;
      j += RUN;
    }
    while (i < old.length && j < text.length && old.charCodeAt(i) === text.charCodeAt(j)) {
      i++;
      j++;
    }
    if (i === old.length && j === text.length) break;
    // The texts differ at `i` of the old one: inside a leaf, or just past its end (`8080` made `80801`).
    const leaf = leafAt(map.starts, i);
    if (leaf < 0 || i > map.ends[leaf]! || (edited.length > 0 && leaf <= edited[edited.length - 1]!)) return undefined;
    // Everything since the last edit is the same in both texts: the leaf starts as far along in the new one.
    const from = map.starts[leaf]! + (j - i);
    const to = text.charCodeAt(from) === QUOTE ? stringEnd(text, from) : literalEnd(text, from);
    if (to <= from) return undefined;
    const written = text.slice(from, to);
    // A leaf cannot start or end a `${` or a `\u` with its neighbours: the new text holds one only where the mapped
    // text did (decoded here with no environment only, see `variables`) or a new leaf does.
    const holds = mayHoldVariables(written);
    if (holds && env !== undefined) return undefined;
    variables ||= holds;
    let value: unknown;
    try {
      value = JSON.parse(written);
    } catch {
      return undefined;
    }
    if ((typeof value === 'object' && value !== null) || (typeof value === 'number' && !Number.isFinite(value))) return undefined;
    if (edited.length === MOST_EDITS) return undefined;
    edited.push(leaf);
    leaves.push(value as Tree);
    newEnds.push(to);
    i = map.ends[leaf]!;
    j = to;
  }
  // Each node on the way to an edited leaf is copied once, however many of its leaves changed: a copy costs one step a
  // key, and an object of 30,000 keys copied again for each of 64 edits held the event loop for over a second.
  const copies = new Map<number, Copy>();
  const copyOf = (id: number): Copy => {
    let copy = copies.get(id);
    if (copy === undefined) {
      const node = nodeOf(map, previous, id);
      copy = Array.isArray(node) ? [...(node as readonly Tree[])] : { ...(node as TreeObject) };
      copies.set(id, copy);
      if (id > 0) put(copyOf(map.parents[id]!), map.names[id]!, copy);
    }
    return copy;
  };
  let left = map.left;
  let grew = false;
  for (let k = 0; k < edited.length; k++) {
    const holder = map.holders[edited[k]!]!;
    const key = map.keys[edited[k]!]!;
    const was = childOf(nodeOf(map, previous, holder), key);
    const value = leaves[k]!;
    if (Object.is(was, value)) continue;
    // A leaf's key and its place cost what they did; its own cost is its length for a string, 1 otherwise.
    left += cost(was) - cost(value);
    grew ||= cost(value) > cost(was);
    put(copyOf(holder), key, value);
  }
  // Over the budget, or an array entered with less left than it has items (see `longest`): left at least as much
  // as the previous text did everywhere (nothing grew), or as much as the longest array has items at the end.
  if (left < 0 || (grew && left < map.longest)) return undefined;
  // Frozen with a large object's count of keys remembered, as a whole decode leaves it (see `countKeys`).
  for (const [id, copy] of copies) freezeCopy(copy, nodeOf(map, previous, id));
  const tree = copies.get(0) ?? previous;
  keepTextMap(tree, { ...map, text, ...shifted(map, edited, newEnds), left, variables });
  return { tree, values: map.values };
}

/** Whether a text is decoded within the limits a map's text was: a text within others may be refused (a budget, a depth). */
function sameLimits(mapped: DecodeLimits, limits: DecodeLimits): boolean {
  return mapped.maxBytes === limits.maxBytes && mapped.maxDepth === limits.maxDepth && mapped.maxValues === limits.maxValues;
}

/** A leaf's share of a size budget (see `SizeBudget`), beside its key. */
function cost(leaf: Tree | undefined): number {
  return typeof leaf === 'string' ? leaf.length : 1;
}

/** A node of a layer being copied on the way to its edited leaves. */
type Copy = Tree[] | Record<string, Tree>;

/** The object or array `id` of a map, in the tree it was made from. */
function nodeOf(map: TextMap, tree: Tree, id: number): Tree {
  return id === 0 ? tree : childOf(nodeOf(map, tree, map.parents[id]!), map.names[id]!);
}

/** A member of an object (by its key) or an item of an array (by its index). */
function childOf(node: Tree, key: string | number): Tree {
  return Array.isArray(node) ? (node as readonly Tree[])[key as number]! : (node as TreeObject)[key as string]!;
}

/** Sets a member of an object's copy, or an item of an array's. */
function put(copy: Copy, key: string | number, value: Tree): void {
  if (Array.isArray(copy)) copy[key as number] = value;
  else copy[key as string] = value;
}

/** The leaves' offsets in the new text: each edited leaf ends where its new value does, and what follows moves with it. */
function shifted(map: TextMap, edited: readonly number[], newEnds: readonly number[]): { starts: Int32Array; ends: Int32Array } {
  // Every new value as long as the old one (a port for a port): the offsets stand.
  if (edited.every((leaf, k) => newEnds[k] === map.ends[leaf])) return { starts: map.starts, ends: map.ends };
  const starts = new Int32Array(map.starts.length);
  const ends = new Int32Array(map.ends.length);
  let shift = 0;
  let k = 0;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    starts[leaf] = map.starts[leaf]! + shift;
    if (edited[k] === leaf) {
      ends[leaf] = newEnds[k]!;
      shift = newEnds[k]! - map.ends[leaf]!;
      k++;
    } else ends[leaf] = map.ends[leaf]! + shift;
  }
  return { starts, ends };
}

/** The last leaf starting at or before `offset`, or -1. */
function leafAt(starts: Int32Array, offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! <= offset) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

