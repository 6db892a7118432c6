import { ConfigError } from '../errors.ts';
import { textMemo } from './memo.ts';

/** One segment of a literal path: a key, or an array index. */
export type Segment = string | number;

/**
 * A path as `get()` takes it: no argument is the root; one string is a dotted path (`'hosts.db.port'`); several
 * arguments, or one array, are literal segments (`get('hosts', 'db.primary')` reads the key `db.primary`).
 */
export type PathArgs = readonly [] | readonly [string] | readonly [readonly Segment[]] | readonly Segment[];

const EMPTY: readonly string[] = Object.freeze([]);
// The memo of every config in the process: 4 MiB at most, however many or long the paths read.
const dotted = textMemo<readonly string[]>(4 * 1024 * 1024);

/** Splits a dotted path; `''` is the root. Memoized, because the same few paths are read on every request. */
export function splitDotted(path: string): readonly string[] {
  if (path === '') return EMPTY;
  return dotted.entries.get(path) ?? dotted.remember(path, Object.freeze(path.split('.')));
}

/**
 * The most segments of a literal path that are read: no layer nests a million deep (a parser's stack would not
 * follow), so a longer path names nothing whatever its segments past that; and an array's length is not what it
 * holds (`[]` with `length = 2 ** 32 - 1`: `get()` of it walked four billion holes, 104 s).
 */
export const MAX_SEGMENTS = 1 << 20;

/** The segments a path argument list names; of a longer array, the first MAX_SEGMENTS + 1 (which name nothing). */
export function toSegments(args: PathArgs): readonly string[] {
  if (args.length === 0) return EMPTY;
  if (args.length === 1) {
    const only = args[0];
    if (typeof only === 'string') return splitDotted(only);
    if (isArray(only)) return literalSegments(only as readonly Segment[]);
  }
  return literalSegments(args as readonly Segment[]);
}

/**
 * Whether a value is an array, where a revoked Proxy, which throws even when asked that, is not one (then a segment
 * that is neither a string nor a number).
 */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

// What a path that cannot be read names: a key no layer holds (`__proto__` is dropped from every input).
const NOWHERE: readonly string[] = Object.freeze(['__proto__']);

/**
 * The segments of a literal path as a read takes them (`get()` never throws): a segment other than a string or a
 * number, or an array whose reading throws (a Proxy's trap, a getter), names nothing. A number is its text.
 */
function literalSegments(path: readonly Segment[]): readonly string[] {
  try {
    return segmentTexts(path.length > MAX_SEGMENTS ? path.slice(0, MAX_SEGMENTS + 1) : path) ?? NOWHERE;
  } catch {
    return NOWHERE;
  }
}

/** Each segment's text, or undefined when one is neither a string nor a number (its `toString` is never called). */
function segmentTexts(path: readonly unknown[]): string[] | undefined {
  const length = path.length;
  const texts = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    const segment = path[i];
    if (typeof segment === 'string') texts[i] = segment;
    else if (typeof segment === 'number') texts[i] = String(segment);
    else return undefined;
  }
  return texts;
}

/** Whether segments are those of a path that could not be read (see `literalSegments`), which names nothing. */
export function namesNothing(segments: readonly string[]): boolean {
  return segments === NOWHERE;
}

/**
 * How a path is printed in events and errors: its segments joined by dots. A path that could not be read is told as
 * that, not as the key a read of it is steered to (`__proto__`, which no one wrote).
 */
export function formatPath(segments: readonly string[]): string {
  return segments === NOWHERE ? '(a path that could not be read)' : segments.join('.');
}

/** The segments of one path argument: a dotted string, or an array of literal segments. */
export function pathSegments(path: string | readonly Segment[]): readonly string[] {
  if (typeof path === 'string') return splitDotted(path);
  let texts: string[] | undefined;
  try {
    if (!Array.isArray(path)) throw new ConfigError('a path is a dotted string or an array of segments', { code: 'INVALID_OPTION' });
    if (path.length > MAX_SEGMENTS) throw new ConfigError(`a path of ${path.length} segments, more than ${MAX_SEGMENTS}`, { code: 'INVALID_PATH' });
    texts = segmentTexts(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // A Proxy whose trap throws, a getter: its error is its own, and told only by its kind.
    throw new ConfigError(`the path could not be read (${error instanceof Error ? error.name : typeof error})`, { code: 'INVALID_PATH' });
  }
  // A symbol or an object was written under its text (`Symbol(s)`, `[object Object]`), a key no one meant.
  if (texts === undefined) throw new ConfigError('a path segment is a string or a number', { code: 'INVALID_PATH' });
  return texts;
}
