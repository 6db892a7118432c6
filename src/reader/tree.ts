import { ConfigError } from '../errors.ts';
import { overspent, spend, type SizeBudget } from './budget.ts';
import { copyItems, inheritsKeys } from './inherited.ts';
import { UNFINISHED, UNMETERED, ranOut, ranOutBefore, ranOutInside, type Meter, type Walk } from './slices.ts';

/** A JSON-like value as held in a snapshot. */
export type Tree = string | number | boolean | null | readonly Tree[] | { readonly [key: string]: Tree };
/** An object node of a tree. */
export type TreeObject = { readonly [key: string]: Tree };

/** True when a key must never be stored (it could reach a prototype): dropped from every input. */
export function isHostileKey(key: string): boolean {
  // Compared one by one rather than looked up in a Set: a key is checked for every property of every document.
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

// Walking the keys of an object the engine holds as a dictionary (a JSON object of more than about a thousand keys)
// starts with a sorted list of all of them, however few are read: 20 ms at 93,000 keys, for a count as for the
// first key. A frozen node's keys never change, so `deepFreeze`, which walks them anyway, remembers how many a large
// node has: counting it again (intern, merge, diff of the next reload) is then one lookup.
const COUNTED_FROM = 512;
const frozenCounts = new WeakMap<object, number>();

/**
 * The number of own keys of a plain object node, counted without allocating a key array. A walk passes what it asked
 * `inheritsKeys()` once, rather than every node asking again.
 */
export function countKeys(node: object, inherited = inheritsKeys()): number {
  const known = frozenCounts.get(node);
  if (known !== undefined) return known;
  if (inherited) return Object.keys(node).length;
  let count = 0;
  for (const _ in node) count++;
  return count;
}

/** The number of own keys of a node when it is remembered (a large frozen node), else 0: found without listing them. */
export function knownCount(node: object): number {
  return frozenCounts.get(node) ?? 0;
}

/** True for an object node without keys, found without counting them. */
export function isEmpty(node: object, inherited = inheritsKeys()): boolean {
  // Only nodes of many keys are remembered: one that is, is not empty.
  if (frozenCounts.has(node)) return false;
  if (inherited) return Object.keys(node).length === 0;
  for (const _ in node) return false;
  return true;
}

/** True for a plain (or null-prototype) object node, false for arrays and scalars. */
export function isObject(value: unknown): value is TreeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The longest array a walk without a budget takes (data a memory source is given, before a config's limits are
 * known): a sparse array's holes would each become a null, however little it holds. A layer that long is over
 * any `maxValues` a process can hold anyway.
 */
const MAX_UNBUDGETED_ITEMS = 2 ** 24;

/** How a decoded document is turned into a tree. */
export interface NormalizeOptions {
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth: number;
  /** Applied to every string leaf (for `${VAR}` expansion). */
  transform?: ((value: string) => string) | undefined;
  /** What the tree may hold (`maxBytes`), counted as it is built; none counts nothing. */
  budget?: SizeBudget | undefined;
  /** True when the caller owns the data (fresh from a parser), so it may be frozen in place instead of copied. */
  owned?: boolean | undefined;
  /**
   * Freeze the result (default true), the previous nodes taken into it included. A layer decoded otherwise than on
   * the event loop is left unfrozen: merging freezes what it builds and deep-freezes the parts of a layer it shares.
   */
  freeze?: boolean | undefined;
  /** Called for each ±Infinity met: a parser may have read an out-of-range literal as one. */
  onInfinite?: (() => void) | undefined;
  /**
   * The tree the same document gave before: every node of the result equal to its node at the same path is that
   * node (as `intern` makes it), found in the walk that normalizes, so a re-read document is not walked twice.
   */
  previous?: Tree | undefined;
  /**
   * True when no node of the data is found at two paths (a JSON parser's result). Otherwise, with a transform or a
   * previous tree, a node met again (a YAML alias) is copied as the first walk left it, not walked in place again.
   */
  distinct?: boolean | undefined;
  /**
   * True when the data is a JSON parser's fresh result, owned: plain objects, arrays and JSON's leaves only, none
   * frozen, none met twice. No node is then looked at for another kind (a date, a map, binary data, a frozen or a
   * shared node), which is a fifth of the walk of a document of many small objects.
   */
  plain?: boolean | undefined;
}

/**
 * Turns decoded data into a frozen tree of plain objects: hostile keys dropped, dates as ISO strings, bigints as
 * numbers (or strings when not exact), binary data (a Buffer, a typed array, YAML's `!!binary`) as its base64
 * text, a Map as an object and a Set as an array of its members (YAML's `!!omap` and `!!set`), undefined and
 * functions dropped. Data the caller owns is frozen in place where it already is plain, so a JSON.parse result is
 * not copied.
 */
export function normalize(value: unknown, options: NormalizeOptions): Tree {
  // A parser may hand the same node over at two paths (a YAML alias, or the nested nodes a `<<` merge copies
  // over): walked in place once, it holds expanded strings and previous nodes, so meeting it again must not expand
  // them again nor sanitize a previous node in place. Without a transform or a previous tree, a second walk changes
  // nothing and nothing needs remembering.
  const remember = options.owned === true && options.distinct !== true && (options.transform !== undefined || options.previous !== undefined);
  const walk: WalkOptions = remember ? { ...options, walked: new Set() } : options;
  return normalizeAt(value, 0, walk, options.previous) ?? null;
}

/** How one walk normalizes: `walked` holds the nodes of the data it has sanitized in place so far. */
interface WalkOptions extends NormalizeOptions {
  walked?: Set<object> | undefined;
}

/** `value` normalized; with `previous`, the node at the same path of the tree the same document gave before. */
export function normalizeAt(value: unknown, depth: number, options: WalkOptions, previous?: Tree): Tree | undefined {
  const budget = options.budget;
  switch (typeof value) {
    case 'string': {
      const text = options.transform ? options.transform(value) : value;
      if (budget !== undefined) spend(budget, text.length);
      return text;
    }
    case 'number':
      if ((value === Infinity || value === -Infinity) && options.onInfinite) options.onInfinite();
      if (budget !== undefined) spend(budget, 1);
      return value;
    case 'boolean':
      if (budget !== undefined) spend(budget, 1);
      return value;
    case 'bigint':
      return normalizeAt(Number.isSafeInteger(Number(value)) ? Number(value) : value.toString(), depth, { ...options, transform: undefined });
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) {
    if (budget !== undefined) spend(budget, 1);
    return null;
  }
  // A JSON parser's fresh result holds nothing else: an object there is a plain one, an array, in place.
  const parsed = options.plain === true && options.owned === true;
  const walked = options.walked;
  if (!parsed) {
    if (value instanceof Date) return normalizeAt(Number.isNaN(value.getTime()) ? null : value.toISOString(), depth, { ...options, transform: undefined });
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return base64(value, budget);
    // The array or object made here is fresh, but its members are whoever's the Set or Map was: owned only if it was
    // (a YAML `!!set` built by its parser), else copied like any data of the caller's, never sanitized or frozen in place.
    if (value instanceof Set) return normalizeAt([...(value as Set<unknown>)], depth, options, previous);
    if (value instanceof Map) return normalizeAt(mapObject(value as Map<unknown, unknown>), depth, options, previous);
    // Met before at another path and sanitized in place then: already normalized, so copied as it now is, its
    // strings not expanded again and the previous nodes taken into it left untouched.
    if (walked?.has(value)) return normalizeAt(value, depth, { ...options, transform: undefined, owned: false, walked: undefined }, previous);
  }
  enterContainer(value, depth, options);
  const inPlace = parsed || (options.owned === true && !Object.isFrozen(value));
  // Asked at each container rather than handed down in the options: copying the options object to carry it made the
  // walk of the 5,000-key bench set half as slow again, and the question costs a few nanoseconds.
  const inherited = inheritsKeys();
  if (Array.isArray(value)) {
    if (inPlace) walked?.add(value);
    const out: unknown[] = inPlace ? value : copyItems(value as unknown[]);
    for (let i = 0; i < out.length; i++) {
      // A hole reads what Array.prototype holds at its index, when another library put something there.
      const item = normalizeAt(inherited && !Object.hasOwn(out, i) ? undefined : out[i], depth + 1, options) ?? null;
      if (!Object.is(item, out[i])) out[i] = item;
    }
    // An array is kept whole or not at all, as `intern` keeps it.
    if (Array.isArray(previous) && deepEqual(previous, out as Tree[])) return options.freeze === false ? previous : deepFreeze(previous, inherited);
    return options.freeze === false ? (out as Tree[]) : Object.freeze(out as Tree[]);
  }
  // Null-prototype objects (smol-toml) and class instances are copied into fresh plain objects.
  const plain = parsed || (inPlace && Object.getPrototypeOf(value) === Object.prototype);
  const source = value as Record<string, unknown>;
  if (plain) {
    // The hot case, a parser's fresh result: sanitized in place. for-in allocates no key array, and a plain
    // object's prototype holds nothing enumerable.
    const out = source as Record<string, unknown>;
    walked?.add(out);
    // With a previous node: whether every child so far equals the previous node's, and how many there are.
    const before = isObject(previous) ? previous : undefined;
    let same = before !== undefined;
    let count = 0;
    for (const key in out) {
      if (inherited && !Object.hasOwn(out, key)) continue;
      if (isHostileKey(key)) {
        delete out[key];
        continue;
      }
      const child = out[key];
      const was = before !== undefined && Object.hasOwn(before, key) ? before[key] : undefined;
      count++;
      // Leaves, most of a document, are handled here rather than in a call. An equal leaf needs no replacing:
      // only nodes are shared.
      if (typeof child === 'string') {
        let text = child;
        if (options.transform) {
          text = options.transform(child);
          if (text !== child) out[key] = text;
        }
        if (budget !== undefined) spend(budget, key.length + text.length);
        if (same && was !== text) same = false;
        continue;
      }
      if (typeof child === 'number') {
        if ((child === Infinity || child === -Infinity) && options.onInfinite) options.onInfinite();
        if (budget !== undefined) spend(budget, key.length + 1);
        if (same && !Object.is(was, child)) same = false;
        continue;
      }
      if (typeof child === 'boolean') {
        if (budget !== undefined) spend(budget, key.length + 1);
        if (same && was !== child) same = false;
        continue;
      }
      if (budget !== undefined && (budget.left -= key.length) < 0) overspent(budget);
      const item = normalizeAt(child, depth + 1, options, was);
      if (item === undefined) {
        delete out[key];
        count--;
      } else if (item !== child) out[key] = item;
      if (same && !Object.is(item, was)) same = false;
    }
    if (same && count === countKeys(before!, inherited)) return options.freeze === false ? before : deepFreeze(before!, inherited);
    const tree = out as Record<string, Tree>;
    return options.freeze === false ? tree : freezeCounted(tree, count);
  }
  // Copied, but interned as the hot case is: the tree is the same whichever way its nodes came.
  const before = isObject(previous) ? previous : undefined;
  let same = before !== undefined;
  let count = 0;
  const out: Record<string, Tree> = {};
  for (const key of Object.keys(source)) {
    if (isHostileKey(key)) continue;
    if (budget !== undefined && (budget.left -= key.length) < 0) overspent(budget);
    const was = before !== undefined && Object.hasOwn(before, key) ? before[key] : undefined;
    const item = normalizeAt(source[key], depth + 1, options, was);
    if (item === undefined) continue;
    out[key] = item;
    count++;
    if (same && !Object.is(item, was)) same = false;
  }
  if (same && count === countKeys(before!, inherited)) return options.freeze === false ? before : deepFreeze(before!, inherited);
  return options.freeze === false ? out : freezeCounted(out, count);
}

/** Binary data as base64 text: a tree holds text, and base64 is how YAML's `!!binary` writes it. */
/**
 * What entering an object or an array costs, checked before anything of it is copied, in this order so that the
 * one-step and the sliced copies pass or fail the same data the same way: its depth, its two units of the budget, and
 * an array's length. A hole costs nothing below but becomes a null, and an encoder of the user's, a memory source or
 * defaults may hand over `new Array(2 ** 32 - 1)`, whose copy ended the process (out of memory).
 */
export function enterContainer(value: object, depth: number, options: NormalizeOptions): void {
  if (depth >= options.maxDepth) {
    throw new ConfigError(`nesting deeper than ${options.maxDepth} levels`, { code: 'LIMIT' });
  }
  const budget = options.budget;
  if (budget !== undefined) spend(budget, 2);
  if (!Array.isArray(value)) return;
  if (budget === undefined) {
    if (value.length > MAX_UNBUDGETED_ITEMS) {
      throw new ConfigError(`an array of ${value.length} items, longer than ${MAX_UNBUDGETED_ITEMS}`, { code: 'LIMIT' });
    }
  } else if (value.length > budget.values || value.length > budget.left) {
    // Every item is a value of at least a byte: the array is over whichever limit it passes.
    if (value.length > budget.values) budget.values = -1;
    overspent(budget);
  }
}

function base64(value: ArrayBufferView | ArrayBuffer, budget: SizeBudget | undefined): string {
  const bytes = value instanceof ArrayBuffer ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // Checked before encoding: the text is 4/3 the size of the bytes.
  if (budget !== undefined) spend(budget, Math.ceil(bytes.byteLength / 3) * 4);
  return bytes.toString('base64');
}

/** A Map's entries as a plain object, keyed by their text; two keys with the same text are an error. */
function mapObject(map: Map<unknown, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of map) {
    const name = typeof key === 'string' ? key : key === null || typeof key !== 'object' ? String(key ?? '') : undefined;
    if (name === undefined) throw new ConfigError('a map key is not a scalar', { code: 'DECODE' });
    if (Object.hasOwn(out, name)) throw new ConfigError('two keys of a map have the same text', { code: 'DECODE' });
    // Defined, not assigned: a key named `__proto__` must stay a key, to be dropped like any hostile one.
    Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Freezes an object node whose children are frozen, remembering the count of its keys when they are many. */
function freezeCounted<T extends TreeObject>(node: T, count: number): T {
  if (count >= COUNTED_FROM) frozenCounts.set(node, count);
  return Object.freeze(node);
}

/**
 * Freezes a shallow copy of a frozen node, its children frozen: the copy of an object has its keys, and the count of
 * them remembered for it, so counting the copy's keys is one lookup as counting the node's was.
 */
export function freezeCopy<T extends Tree[] | Record<string, Tree>>(copy: T, of: Tree): T {
  const known = typeof of === 'object' && of !== null ? frozenCounts.get(of) : undefined;
  if (known !== undefined) frozenCounts.set(copy, known);
  return Object.freeze(copy);
}

/** Freezes a node and everything below it; a frozen node is taken as frozen all the way down (as built here). */
export function deepFreeze<T extends Tree | undefined>(node: T, inherited = inheritsKeys()): T {
  if (typeof node === 'object' && node !== null && !Object.isFrozen(node)) freezeWithin(node, UNMETERED, inherited);
  return node;
}

/**
 * Freezes an unfrozen node and everything below it as long as the meter lasts (see `slices.ts`); false when it ran
 * out first. Children are frozen before their parent, so what it froze stays frozen and is skipped by the next walk.
 */
function freezeWithin(node: object, meter: Meter, inherited: boolean): boolean {
  // Leaves, most of a tree, are skipped here rather than in a call each.
  if (Array.isArray(node)) {
    for (const item of node as readonly Tree[]) {
      if (--meter.left <= 0) return stopped(meter);
      if (typeof item === 'object' && item !== null && !Object.isFrozen(item) && !freezeWithin(item, meter, inherited)) return stopped(meter, item);
    }
  } else {
    let count = 0;
    for (const key in node) {
      if (inherited && !Object.hasOwn(node, key)) continue;
      count++;
      if (--meter.left <= 0) return stopped(meter);
      const child = (node as TreeObject)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child) && !freezeWithin(child, meter, inherited)) return stopped(meter, child);
    }
    if (count >= COUNTED_FROM) frozenCounts.set(node, count);
  }
  Object.freeze(node);
  return true;
}

/** False, for a `freezeWithin` that ran out: where it did, or inside `child` (see `ranOut` in `slices.ts`). */
function stopped(meter: Meter, child?: object): false {
  if (child === undefined) ranOut(meter);
  else ranOutInside(meter, child);
  return false;
}

/**
 * `deepFreeze` in slices (see `slices.ts`): children are frozen before their parent, so a walk stopped between two
 * slices leaves no frozen node above one that is not, and `deepFreeze` may take over from where it stopped.
 */
export function* freezeInSlices(node: Tree | undefined, meter: Meter, inherited = inheritsKeys()): Walk<void> {
  if (typeof node !== 'object' || node === null || Object.isFrozen(node)) return;
  if (Array.isArray(node)) {
    for (const item of node as readonly Tree[]) {
      if (--meter.left <= 0) yield;
      if (typeof item === 'object' && item !== null && !Object.isFrozen(item) && (ranOutBefore(meter, item) || !freezeWithin(item, meter, inherited))) yield* freezeInSlices(item, meter, inherited);
    }
  } else {
    let count = 0;
    for (const key in node) {
      if (inherited && !Object.hasOwn(node, key)) continue;
      count++;
      if (--meter.left <= 0) yield;
      const child = (node as TreeObject)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child) && (ranOutBefore(meter, child) || !freezeWithin(child, meter, inherited))) yield* freezeInSlices(child, meter, inherited);
    }
    if (count >= COUNTED_FROM) frozenCounts.set(node, count);
  }
  Object.freeze(node);
}

/** The node at a path, or undefined when the path leaves the tree. Numeric segments index arrays. */
export function getIn(root: Tree | undefined, segments: readonly string[]): Tree | undefined {
  let node: Tree | undefined = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      node = isIndex(segment) && Object.hasOwn(node, segment) ? (node as readonly Tree[])[Number(segment)] : undefined;
    } else {
      node = Object.hasOwn(node, segment) ? (node as TreeObject)[segment] : undefined;
    }
  }
  return node;
}

/** True for a path segment that indexes a list (`0`, `12`; not `01` or `-1`). */
export function isIndex(segment: string): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(segment);
}

/** Structural equality of two trees (NaN equals NaN; key order does not matter). */
export function deepEqual(a: Tree | undefined, b: Tree | undefined): boolean {
  return equalWithin(a, b, UNMETERED) === true;
}

/**
 * `deepEqual` as long as the meter lasts (see `slices.ts`): `UNFINISHED` when it ran out first. An object whose
 * count of keys is known to be over what is left is not listed (a listing of many keys is one long step).
 */
export function equalWithin(a: Tree | undefined, b: Tree | undefined, meter: Meter): boolean | typeof UNFINISHED {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (--meter.left <= 0) return ranOut(meter);
      const x = (a as readonly Tree[])[i];
      const y = (b as readonly Tree[])[i];
      // Leaves are compared here rather than in a call.
      if (Object.is(x, y)) continue;
      if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
      const same = equalWithin(x, y, meter);
      if (same === UNFINISHED) return ranOutInside(meter, x);
      if (!same) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  if (knownCount(a) >= meter.left) return ranOut(meter);
  const ka = Object.keys(a);
  meter.left -= ka.length;
  if (ka.length !== countKeys(b)) return false;
  for (const key of ka) {
    if (--meter.left <= 0) return ranOut(meter);
    if (!Object.hasOwn(b, key)) return false;
    const x = (a as TreeObject)[key];
    const y = (b as TreeObject)[key];
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const same = equalWithin(x, y, meter);
    if (same === UNFINISHED) return ranOutInside(meter, x);
    if (!same) return false;
  }
  return true;
}

/** `deepEqual` in slices (see `slices.ts`), for trees that do not change while it walks them (frozen ones). */
export function* equalInSlices(a: Tree | undefined, b: Tree | undefined, meter: Meter): Walk<boolean> {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (--meter.left <= 0) yield;
      const x = (a as readonly Tree[])[i];
      const y = (b as readonly Tree[])[i];
      if (Object.is(x, y)) continue;
      if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
      const same = ranOutBefore(meter, x) ? UNFINISHED : equalWithin(x, y, meter);
      if (same === false || (same === UNFINISHED && !(yield* equalInSlices(x, y, meter)))) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  meter.left -= ka.length;
  if (ka.length !== countKeys(b)) return false;
  for (const key of ka) {
    if (--meter.left <= 0) yield;
    if (!Object.hasOwn(b, key)) return false;
    const x = (a as TreeObject)[key];
    const y = (b as TreeObject)[key];
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const same = ranOutBefore(meter, x) ? UNFINISHED : equalWithin(x, y, meter);
    if (same === false || (same === UNFINISHED && !(yield* equalInSlices(x, y, meter)))) return false;
  }
  return true;
}

/** A deep, mutable, plain copy of a tree. */
export function cloneTree<T extends Tree | undefined>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: Tree) => cloneTree(item)) as unknown as T;
  const out: Record<string, Tree> = {};
  for (const key of Object.keys(value)) out[key] = cloneTree((value as TreeObject)[key]!);
  return out as T;
}

/** JSON with object keys sorted, so equal trees give equal bytes. */
export function sortedJson(value: Tree | undefined): string {
  if (value === undefined) return 'null';
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item: Tree) => sortedJson(item)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${sortedJson((value as TreeObject)[key])}`).join(',')}}`;
}

/**
 * Builds a new tree with `value` set at `segments`, copying only the nodes on the way (the input is untouched):
 * the path is walked down once and the copies are made on the way back up, so a path costs its depth. Errors
 * name the path below `base` (where `root` sits).
 */
export function setIn(root: Tree, segments: readonly string[], value: Tree, base: readonly string[] = []): Tree {
  const parents: (Tree | undefined)[] = [];
  let node: Tree | undefined = root;
  for (const segment of segments) {
    if (isHostileKey(segment)) {
      throw new ConfigError(`path segment "${segment}" is not allowed`, { code: 'INVALID_PATH', path: segments.join('.') });
    }
    parents.push(node);
    node = Array.isArray(node) ? (isIndex(segment) && Object.hasOwn(node, segment) ? (node as readonly Tree[])[Number(segment)] : undefined) : isObject(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
  }
  let built = value;
  for (let i = segments.length - 1; i >= 0; i--) {
    const parent = parents[i];
    const head = segments[i]!;
    if (Array.isArray(parent) && isIndex(head)) {
      // An item of the list, or one more at its end; a gap would be a list with holes, which no reader expects.
      if (Number(head) > parent.length) {
        throw new ConfigError(`index ${head} is past the end of the list at "${[...base, ...segments.slice(0, i)].join('.')}" (${parent.length} items)`, {
          code: 'INVALID_PATH',
          path: [...base, ...segments].join('.'),
        });
      }
      const copy = [...(parent as readonly Tree[])];
      copy[Number(head)] = built;
      built = Object.freeze(copy);
    } else {
      const copy: Record<string, Tree> = { ...(isObject(parent) ? parent : {}) };
      copy[head] = built;
      built = Object.freeze(copy);
    }
  }
  return built;
}
