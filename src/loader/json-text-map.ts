import { jsonEncoder } from '../encoders/json.ts';
import type { Environment } from '../reader/expand.ts';
import { countKeys, isObject, type Tree, type TreeObject } from '../reader/tree.ts';
import type { DecodeLimits } from './decode-text.ts';

/**
 * Where each leaf of a JSON layer is written in the text it was decoded from, and which node holds it. With it, a
 * new text that differs from that one only inside leaves (a deploy that changes a port, a flag, a version) is
 * decoded by reading just those leaves: the rest of the layer is the previous one's, as the whole decode's interning
 * would have made it. A config file is nearly always rewritten that way, and a whole decode of it costs its parse
 * and a walk of every node.
 */
export interface TextMap {
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

/**
 * Texts mapped up to this length: all that is decoded on the event loop (a larger one decodes on a thread, see
 * `decodesOffThread`). A map costs about 16 bytes and a key per leaf, beside the text the source keeps anyway.
 */
export const MAPPED_MOST = 512 * 1024;

/** A JSON string's quote. */
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

// Keyed by the layer's tree: a map lives as long as the layer it describes, and no longer.
const maps = new WeakMap<object, TextMap>();

/** The map of a layer's text, if it has one. */
export function textMapOf(tree: Tree): TextMap | undefined {
  return typeof tree === 'object' && tree !== null ? maps.get(tree) : undefined;
}

/** Keeps a map for a layer made from another's text by its edits (see `decodeEdits`). */
export function keepTextMap(tree: Tree, map: TextMap): void {
  if (typeof tree === 'object' && tree !== null) maps.set(tree, map);
}

/**
 * Whether a JSON text may hold a `${VAR}`: it writes `${` or a `\u` escape (see `jsonEncoder`). Such a text is mapped,
 * or decoded from its edits, only with no environment to expand from: a leaf read alone is then what a whole decode
 * reads.
 */
export function mayHoldVariables(text: string): boolean {
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
export function stringEnd(text: string, at: number): number {
  for (let quote = text.indexOf('"', at + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    // A quote after an odd number of backslashes is escaped. Each backslash is counted for one quote at most.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return quote + 1;
  }
  return -1;
}

/** The offset after a number, `true`, `false` or `null` starting at `at` (at `at` when nothing is there). */
export function literalEnd(text: string, at: number): number {
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isSpace(code)) break;
    at++;
  }
  return at;
}

