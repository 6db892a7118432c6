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
    if (Array.isArray(only)) return literalSegments(only as readonly Segment[]);
  }
  return literalSegments(args as readonly Segment[]);
}

function literalSegments(path: readonly Segment[]): readonly string[] {
  return path.length > MAX_SEGMENTS ? Array.from(path.slice(0, MAX_SEGMENTS + 1), String) : path.map(String);
}

/** How a path is printed in events and errors: its segments joined by dots. */
export function formatPath(segments: readonly string[]): string {
  return segments.join('.');
}

/** The segments of one path argument: a dotted string, or an array of literal segments. */
export function pathSegments(path: string | readonly Segment[]): readonly string[] {
  if (typeof path === 'string') return splitDotted(path);
  if (!Array.isArray(path)) throw new ConfigError('a path is a dotted string or an array of segments', { code: 'INVALID_OPTION' });
  if (path.length > MAX_SEGMENTS) throw new ConfigError(`a path of ${path.length} segments, more than ${MAX_SEGMENTS}`, { code: 'INVALID_PATH' });
  return path.map(String);
}
