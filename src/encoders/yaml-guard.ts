import type { ErrorPosition } from '../errors.ts';
import { overspent, sizeBudget, type SizeBudget } from '../reader/budget.ts';
import { positionAt } from './encoder.ts';
import { OVERFLOW } from './overflow.ts';
import { MERGE_TAG, scalarEvents } from './yaml-schema.ts';

/** The part of js-yaml's parser state a listener reads (and, for a key, rewrites). */
export interface ParserState {
  position: number;
  kind: string | null;
  tag: string | null;
  result: unknown;
}

/** Limits the guard holds a document to. */
export interface GuardBounds {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxValues?: number | undefined;
}

/** A reason and where (an offset into the parsed text), thrown by the guard and turned into a ConfigError by the encoder. */
export class GuardError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly limit = false,
  ) {
    super(reason);
  }
}

// Flags of an open node.
const MERGE_NEXT = 1; // a mapping whose `<<` key has closed: its next child is the merge's value
const MERGE_VALUE = 2; // the value of a `<<` key: its mapping, alias or list of them is merged, not kept
const MERGED = 4; // a mapping that merged: its size is measured when it closes

const isSpace = (code: number) => code === 32 || code === 9;
const isBreak = (code: number) => code === 10 || code === 13;

/** True for a mapping a `<<` may merge: a plain object, not a list, a date or bytes. */
function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/**
 * What js-yaml's listener sees of a document as it is built, node by node (`open` before a node is read, `close`
 * once it is built, with `state.result` the value its parent is about to take): here the document is held to what
 * microconf promises, in the same pass, without a document model.
 *
 * - The size the data would have written out is counted as it is built (the length of every key and string, 1 for
 *   every other value, 2 for every collection, as `SizeBudget` counts), an alias counting its whole target again and
 *   a mapping that merged everything it holds, so an alias or merge bomb is refused before it is built; values are
 *   counted too (never more than the tree will hold), so a document of too many stops early.
 * - A collection nested deeper than `maxDepth` is refused (js-yaml stops one level below, before it recurses on).
 * - An alias inside its own anchor's node (a cycle) is refused; so is a `<<` of something not a mapping.
 * - A key that is a collection is refused (js-yaml makes it the text `[object Object]`); a null key is the empty
 *   text and a date key its ISO text, as elsewhere in microconf; hostile keys are dropped as each mapping closes.
 */
export function createGuard(text: string, bounds: GuardBounds) {
  const budget: SizeBudget = sizeBudget(bounds.maxBytes, bounds.maxValues ?? Number.POSITIVE_INFINITY);
  const limit = budget.limit;
  const maxValues = budget.maxValues;
  let spent = 0;
  let values = 0;
  // Open nodes, by depth (0 the root, `top` the innermost): where each began, what had been spent and counted
  // then, its flags. Written by index, never shrunk: the deepest a document goes is bounded by maxDepth.
  let top = -1;
  const starts: number[] = [];
  const spentAt: number[] = [];
  const valuesAt: number[] = [];
  const flags: number[] = [];
  // The starts of a merge value's items, to name the one that is not a mapping.
  const itemStarts = new Map<number, number[]>();
  // What each finished collection costs: its size written out and its values. A collection not here is not finished.
  const sizes = new WeakMap<object, number>();
  const counts = new WeakMap<object, number>();
  let documentEnd = -1;
  // What `cost` found: a value's bytes and values (a pair of numbers, not an array made for each value).
  let costBytes = 0;
  let costValues = 0;

  const charge = (bytes: number, count: number) => {
    spent += bytes;
    values += count;
    if (spent > limit) {
      budget.left = limit - spent;
      overspent(budget);
    }
    if (values > maxValues) {
      budget.values = maxValues - values;
      overspent(budget);
    }
  };

  /** Sets costBytes and costValues to what a finished value costs; false for a collection not finished. */
  const cost = (value: unknown): boolean => {
    costValues = 1;
    if (typeof value === 'string') costBytes = value.length;
    else if (typeof value !== 'object' || value === null) costBytes = 1;
    else if (sizes.has(value)) {
      costBytes = sizes.get(value)!;
      costValues = counts.get(value)!;
    } else if (value instanceof Date) costBytes = 24;
    else if (ArrayBuffer.isView(value)) costBytes = Math.ceil(value.byteLength / 3) * 4;
    else return false;
    return true;
  };

  /** A collection's cost measured from what it holds (after a merge, or a tag that rebuilt it), into cost*. */
  const measure = (value: object) => {
    let bytes = 2;
    let count = 1;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        cost(item);
        bytes += costBytes;
        count += costValues;
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        cost(record[key]);
        bytes += key.length + costBytes;
        count += costValues;
      }
    }
    costBytes = bytes;
    costValues = count;
  };

  const record = (value: object) => {
    sizes.set(value, costBytes);
    counts.set(value, costValues);
  };

  /** Whether the node that ran from `start` to `end` is a key: `:` follows it on its line, or `?` stands before it. */
  const isKey = (start: number, end: number) => colonFollows(text, end) || questionPrecedes(text, start);

  const nodeStart = (depth: number) => skipBlank(text, starts[depth]!);

  // Hostile keys (isHostileKey in reader/tree.ts), looked up rather than compared with every key.
  const drop = (value: Record<string, unknown>) => {
    if (Object.hasOwn(value, '__proto__')) delete value['__proto__'];
    if (Object.hasOwn(value, 'constructor')) delete value['constructor'];
    if (Object.hasOwn(value, 'prototype')) delete value['prototype'];
  };

  const open = (state: ParserState) => {
    const depth = ++top;
    if (depth === 0 && documentEnd >= 0) throw new GuardError('the text holds more than one document', skipBlank(text, documentEnd));
    let flag = 0;
    if (depth > 0 && flags[depth - 1] !== 0) {
      const parent = flags[depth - 1]!;
      if (parent & MERGE_NEXT) {
        flags[depth - 1] = (parent & ~MERGE_NEXT) | MERGED;
        flag = MERGE_VALUE;
      } else if (parent & MERGE_VALUE) {
        const list = itemStarts.get(depth - 1);
        if (list) list.push(state.position);
        else itemStarts.set(depth - 1, [state.position]);
      }
    }
    starts[depth] = state.position;
    spentAt[depth] = spent;
    valuesAt[depth] = values;
    flags[depth] = flag;
  };

  const close = (state: ParserState) => {
    const depth = top;
    const flag = flags[depth]!;
    const result = state.result;
    if (scalarEvents.overflow) throw new GuardError(OVERFLOW, nodeStart(depth));
    const inMerge = (flag | (depth > 0 ? flags[depth - 1]! : 0)) & MERGE_VALUE;
    // What the node's children charged is taken back and counted again here: a collection by what it holds, and a
    // scalar on its own (js-yaml reads a scalar with an anchor or a tag once as a key it then gives up on, and again).
    const childBytes = spent - spentAt[depth]!;
    const childValues = values - valuesAt[depth]!;
    spent = spentAt[depth]!;
    values = valuesAt[depth]!;
    if (state.kind === 'scalar' && typeof result !== 'object' && state.tag !== MERGE_TAG && !inMerge) {
      // The common case: a plain, quoted or block scalar, a value or a key.
      if (isKey(starts[depth]!, state.position)) charge(typeof result === 'string' ? result.length : String(result).length, 0);
      else charge(typeof result === 'string' ? result.length : 1, 1);
    } else if (state.kind === 'mapping' || state.kind === 'sequence') {
      closeCollection(state, depth, flag, inMerge, childBytes, childValues);
    } else {
      closeOther(state, depth, flag, inMerge);
    }
    if (depth === 0) documentEnd = state.position;
    if (flag & MERGE_VALUE) itemStarts.delete(depth);
    top--;
  };

  const closeCollection = (state: ParserState, depth: number, flag: number, inMerge: number, childBytes: number, childValues: number) => {
    if (depth >= bounds.maxDepth) throw new GuardError(`nesting deeper than ${bounds.maxDepth} levels`, nodeStart(depth), true);
    const value = state.result as object;
    let pairBytes = 0;
    let pairValues = 0;
    if (Array.isArray(value)) {
      // `[a: 1]` makes a one-key mapping of each pair, with no event of its own: it is finished here.
      for (const item of value as unknown[]) {
        if (isMapping(item) && !sizes.has(item) && Object.getPrototypeOf(item) === Object.prototype) {
          drop(item);
          measure(item);
          record(item);
          pairBytes += 2;
          pairValues += 1;
        }
      }
    } else {
      drop(value as Record<string, unknown>);
    }
    // A mapping that merged holds what it copied, which no event counted; a tag (`!!set`, `!!omap`) rebuilt it.
    if (flag & MERGED || (state.tag !== null && !state.tag.startsWith('!'))) {
      measure(value);
    } else {
      costBytes = childBytes + pairBytes + 2;
      costValues = childValues + pairValues + 1;
    }
    record(value);
    if (flag & MERGE_VALUE) checkMerge(state, depth, Array.isArray(value) ? (value as unknown[]) : undefined);
    else if (isKey(starts[depth]!, state.position)) throw new GuardError('a key is a mapping or a sequence, not a scalar', nodeStart(depth));
    else if (!inMerge) charge(costBytes, costValues);
  };

  /** An alias, an empty node, a `<<` key or a scalar that is not text (a date, bytes, a tagged empty collection). */
  const closeOther = (state: ParserState, depth: number, flag: number, inMerge: number) => {
    const result = state.result;
    if (!cost(result)) {
      // A collection not yet finished: an alias to the node that holds it. Else an empty node tagged `!!map`.
      if (text.charCodeAt(nodeStart(depth)) === 42) throw new GuardError('an alias refers to the node that holds it', nodeStart(depth));
      costBytes = 2;
      costValues = 1;
      record(result as object);
    }
    if (flag & MERGE_VALUE) {
      checkMerge(state, depth, undefined);
      return;
    }
    if (!isKey(starts[depth]!, state.position)) {
      if (!inMerge) charge(costBytes, costValues);
      return;
    }
    let key: string;
    if (state.tag === MERGE_TAG && result === '<<' && depth > 0) {
      flags[depth - 1]! |= MERGE_NEXT;
      key = '';
    } else if (result === null) {
      key = state.result = '';
    } else if (result instanceof Date) {
      key = state.result = Number.isNaN(result.getTime()) ? '' : result.toISOString();
    } else if (typeof result === 'object') {
      throw new GuardError('a key is a mapping or a sequence, not a scalar', nodeStart(depth));
    } else {
      key = String(result);
    }
    if (!inMerge) charge(key.length, 0);
  };

  /** A `<<`'s value: a mapping, an alias of one, or a list of them. */
  const checkMerge = (state: ParserState, depth: number, items: readonly unknown[] | undefined) => {
    const reason = 'a merge key (<<) takes a mapping, an alias of one, or a list of them';
    if (items !== undefined) {
      const at = itemStarts.get(depth) ?? [];
      items.forEach((item, i) => {
        if (!isMapping(item)) throw new GuardError(reason, skipBlank(text, at[i] ?? starts[depth]!));
      });
    } else if (!isMapping(state.result)) {
      throw new GuardError(reason, nodeStart(depth));
    }
  };

  /** The open node's start, for an error js-yaml raised while it was being read (a tag that does not fit it). */
  const innermost = () => (top >= 0 ? nodeStart(top) : undefined);

  return { open, close, innermost };
}

/**
 * True when a `:` value indicator follows `end` on its line (after spaces): one followed by a space, a line end or
 * a flow indicator, or right after a quoted or flow node (`{"a":1}`); else it starts a plain scalar (`:x`). A block
 * collection ends where the next line's content starts: it is a key only after `?`.
 */
function colonFollows(text: string, end: number): boolean {
  let i = end;
  while (isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 58) return false;
  let back = end - 1;
  while (back >= 0 && isSpace(text.charCodeAt(back))) back--;
  if (back < 0 || isBreak(text.charCodeAt(back))) return false;
  if (i + 1 >= text.length) return true;
  const next = text.charCodeAt(i + 1);
  if (isSpace(next) || isBreak(next) || next === 44 || next === 91 || next === 93 || next === 123 || next === 125) return true;
  const before = text.charCodeAt(end - 1);
  return i === end && (before === 34 || before === 39 || before === 93 || before === 125); // " ' ] }
}

/** True when the node starting at `start` follows a `?` indicator (an explicit key), on its line or lines before. */
function questionPrecedes(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (isSpace(text.charCodeAt(i)) || isBreak(text.charCodeAt(i)))) i--;
  if (text.charCodeAt(i) !== 63) return false;
  const before = i > 0 ? text.charCodeAt(i - 1) : 10;
  return isSpace(before) || isBreak(before) || before === 91 || before === 123 || before === 44; // [ { ,
}

/** The offset of the first character at or after `from` that is not a space, a line end or part of a comment. */
export function skipBlank(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code) || isBreak(code)) i++;
    else if (code === 35 && (i === 0 || isSpace(text.charCodeAt(i - 1)) || isBreak(text.charCodeAt(i - 1)))) {
      while (i < text.length && !isBreak(text.charCodeAt(i))) i++;
    } else break;
  }
  return i;
}

/** Line and column (1-based) of an offset into the parsed text; `bom` is 1 when the parser was handed the text without its byte order mark. */
export function positionIn(text: string, offset: number, bom: number): ErrorPosition {
  const position = positionAt(text, offset);
  return position.line === 1 ? { line: 1, column: position.column + bom } : position;
}
