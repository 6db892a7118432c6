import { jsonEncoder } from '../encoders/json.ts';
import type { Environment } from '../reader/expand.ts';
import { countKeys, freezeCopy, isObject, type Tree, type TreeObject } from '../reader/tree.ts';
import type { DecodeLimits } from './decode-text.ts';

/**
 * Where each leaf of a JSON layer is written in the text it was decoded from, and which node holds it. With it, a
 * new text that differs from that one only inside leaves (a deploy that changes a port, a flag, a version) is
 * decoded by reading just those leaves: the rest of the layer is the previous one's, as the whole decode's interning
 * would have made it. A config file is nearly always rewritten that way, and a whole decode of it costs its parse
 * and a walk of every node.
 */
interface TextMap {
  /** The text (after any byte order mark) the layer was decoded from. */
  readonly text: string;
  /** Each leaf's first offset in the text, in the text's order, and the offset after it. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Each leaf's holder (an index into `parents` and `names`) and its key (an array's item: its index) there. */
  readonly holders: Int32Array;
  readonly keys: readonly (string | number)[];
  /** Each object or array's holder (-1 for the top) and its key there. */
  readonly parents: Int32Array;
  readonly names: readonly (string | number)[];
  /** What the layer's size budget had left once it was built (see `SizeBudget`), and how many values it holds. */
  readonly left: number;
  readonly values: number;
  /**
   * The most items of an array in the layer: a decode refuses an array of more items than its budget has left (each
   * item is taken to cost at least a byte, and an empty string costs none), wherever the layer ends.
   */
  readonly longest: number;
  /** The limits it was decoded within. */
  readonly limits: DecodeLimits;
  /**
   * Whether the text may hold a `${VAR}` (it writes `${` or a `\u` escape): one mapped with no environment to expand
   * from. Its next text is decoded from its edits with none only; with one, `${VAR}` is expanded in a whole decode.
   */
  readonly variables: boolean;
}

/** What a whole decode of a text found beside its tree. */
export interface DecodedText {
  /** What the layer's size budget had left. */
  readonly left: number;
  /** How many values the layer holds. */
  readonly values: number;
}

/** A layer decoded from the edits of a text: its tree, and how many values it holds. */
export interface PatchedLayer {
  readonly tree: Tree;
  readonly values: number;
}

/**
 * Texts mapped up to this length: all that is decoded on the event loop (a larger one decodes on a thread, see
 * `decodesOffThread`). A map costs about 16 bytes and a key per leaf, beside the text the source keeps anyway.
 */
export const MAPPED_MOST = 512 * 1024;

/** More leaves changed than this and the text is decoded whole: a rewrite, not an edit. */
const MOST_EDITS = 64;

/** Compared this many characters at a time (one comparison of two slices, in the engine) before one by one. */
const RUN = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

// Keyed by the layer's tree: a map lives as long as the layer it describes, and no longer.
const maps = new WeakMap<object, TextMap>();

/**
 * Whether a JSON text may hold a `${VAR}`: it writes `${` or a `\u` escape (see `jsonEncoder`). Such a text is mapped,
 * or decoded from its edits, only with no environment to expand from: a leaf read alone is then what a whole decode
 * reads.
 */
function mayHoldVariables(text: string): boolean {
  return jsonEncoder.mayHoldVariables!(text);
}

/**
 * Maps a JSON text to the layer a whole decode made of it (`decoded`: what that decode found), so that its next
 * change may be decoded from its edits (`decodeEdits`). Nothing is mapped for a text that `${VAR}` is expanded in,
 * one longer than `MAPPED_MOST`, or one whose tree is not its parse as it is written (a key given twice, a hostile
 * key dropped): those are decoded whole. `text` must be one that `JSON.parse` accepts.
 */
export function mapJsonText(tree: Tree, text: string, decoded: DecodedText, limits: DecodeLimits, env: Environment | undefined): void {
  if (!isObject(tree) || text.length > MAPPED_MOST) return;
  const variables = mayHoldVariables(text);
  if (variables && env !== undefined) return;
  const map = buildMap(tree, text, decoded, limits, variables);
  if (map !== undefined) maps.set(tree, map);
}

/** Whether the layer has a map of its text (for tests and the benchmark). */
export function isMapped(tree: Tree): boolean {
  return typeof tree === 'object' && tree !== null && maps.has(tree);
}

function buildMap(tree: TreeObject, text: string, decoded: DecodedText, limits: DecodeLimits, variables: boolean): TextMap | undefined {
  // As many leaves, and as many objects and arrays, as the layer holds values at most: each list is allocated once at
  // that size (a list grown a leaf at a time took 4 times the whole decode's time for a text of 250,000 numbers).
  const most = decoded.values;
  const starts = new Int32Array(most);
  const ends = new Int32Array(most);
  const holders = new Int32Array(most);
  const keys = new Array<string | number>(most);
  const parents = new Int32Array(most);
  const names = new Array<string | number>(most);
  let leaves = 0;
  let nodes = 1;
  // The objects and arrays open where the scan is: their index in `parents`, their node, how many members seen.
  const open: { id: number; node: Tree; array: boolean; count: number }[] = [];
  let longest = 0;
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== OPEN_OBJECT || most < 1) return undefined;
  parents[0] = -1;
  names[0] = '';
  open.push({ id: 0, node: tree, array: false, count: 0 });
  at++;
  while (open.length > 0) {
    at = skipSpace(text, at);
    let code = text.charCodeAt(at);
    const top = open[open.length - 1]!;
    if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      // A key given twice, or a hostile one the decode dropped: members the tree does not hold one for each.
      const held = top.array ? (top.node as readonly Tree[]).length : countKeys(top.node as TreeObject);
      if (top.count !== held) return undefined;
      if (top.array) longest = Math.max(longest, held);
      open.pop();
      at = afterValue(text, at + 1);
      continue;
    }
    let key: string | number;
    let child: Tree | undefined;
    if (top.array) {
      key = top.count;
      child = (top.node as readonly Tree[])[key];
    } else {
      if (code !== QUOTE) return undefined;
      const end = stringEnd(text, at);
      if (end < 0) return undefined;
      const written = text.slice(at, end);
      key = written.includes('\\') ? (JSON.parse(written) as string) : written.slice(1, -1);
      const node = top.node as TreeObject;
      if (!Object.hasOwn(node, key)) return undefined;
      child = node[key];
      at = skipSpace(text, end);
      if (text.charCodeAt(at) !== COLON) return undefined;
      at = skipSpace(text, at + 1);
      code = text.charCodeAt(at);
    }
    top.count++;
    if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      const array = code === OPEN_ARRAY;
      if ((array ? !Array.isArray(child) : !isObject(child)) || nodes + leaves === most) return undefined;
      parents[nodes] = top.id;
      names[nodes] = key;
      open.push({ id: nodes++, node: child!, array, count: 0 });
      at++;
      continue;
    }
    if (typeof child === 'object' && child !== null) return undefined;
    const end = code === QUOTE ? stringEnd(text, at) : literalEnd(text, at);
    if (end <= at || nodes + leaves === most) return undefined;
    starts[leaves] = at;
    ends[leaves] = end;
    holders[leaves] = top.id;
    keys[leaves++] = key;
    at = afterValue(text, end);
  }
  if (skipSpace(text, at) !== text.length) return undefined;
  return {
    text,
    starts: starts.slice(0, leaves),
    ends: ends.slice(0, leaves),
    holders: holders.slice(0, leaves),
    keys: keys.slice(0, leaves),
    parents: parents.slice(0, nodes),
    names: names.slice(0, nodes),
    left: decoded.left,
    values: decoded.values,
    longest,
    limits: { maxBytes: limits.maxBytes, maxDepth: limits.maxDepth, maxValues: limits.maxValues },
    variables,
  };
}

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
  const map = typeof previous === 'object' && previous !== null ? maps.get(previous) : undefined;
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
  maps.set(tree as TreeObject, { ...map, text, ...shifted(map, edited, newEnds), left, variables });
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

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** Past a value and the space and comma after it. */
function afterValue(text: string, at: number): number {
  at = skipSpace(text, at);
  return text.charCodeAt(at) === COMMA ? at + 1 : at;
}

/** The offset after the closing quote of the string opened at `at`, or -1 when it is not closed. */
function stringEnd(text: string, at: number): number {
  for (let quote = text.indexOf('"', at + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    // A quote after an odd number of backslashes is escaped. Each backslash is counted for one quote at most.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return quote + 1;
  }
  return -1;
}

/** The offset after a number, `true`, `false` or `null` starting at `at` (at `at` when nothing is there). */
function literalEnd(text: string, at: number): number {
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isSpace(code)) break;
    at++;
  }
  return at;
}
