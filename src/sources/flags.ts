import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_VALUES, spend, type SizeBudget } from '../reader/budget.ts';
import { unflatten, type FlatEntry } from '../reader/keys.ts';
import { isHostileKey, type Tree } from '../reader/tree.ts';
import { createChangeSet, type Origin, type ReadOptions, type Source, type SourceOptions } from './source.ts';
import { checkOptionNames, optionNames } from '../option-checks.ts';

/** Options of the command-line source. */
export interface FlagsSourceOptions extends SourceOptions {
  /** The arguments to read (default `process.argv.slice(2)`). */
  argv?: readonly string[] | undefined;
}

const FLAGS_OPTIONS = optionNames<FlagsSourceOptions>()('argv', 'name', 'optional', 'watch');

/**
 * Command-line flags: `--database-address=x` or `--database-address x` → `database.address` (lower-cased; `-`, `_`
 * and `.` nest; empty segments dropped). A single dash works too for names of two characters or more
 * (`-db-host localhost`, as Go's flag package and urfave/cli accept). A bare flag is true, `--no-flag` false, a
 * repeated flag an array, and `--` ends the flags. Anything else (positional words, one-letter `-x`) is ignored.
 * Flags are read within the config's limits, and refused (LIMIT, naming their place in argv) as soon as they pass one.
 */
export function flagsSource(options: FlagsSourceOptions = {}): Source {
  options = checkOptionNames(options, FLAGS_OPTIONS, 'flagsSource');
  const name = options.name ?? 'flags';
  checkArgv(options.argv, name);
  return {
    name,
    optional: options.optional,
    read: async (_signal, limits) => {
      const origins: Origin[] = [];
      let tree: Record<string, Tree>;
      try {
        tree = parseFlags(options.argv ?? process.argv.slice(2), origins, limits);
      } catch (error) {
        throw error instanceof ConfigError ? error.withSource(name) : error;
      }
      return createChangeSet(name, 'object', tree, Date.now(), origins);
    },
  };
}

/**
 * Refuses `argv` that is not an array of strings, index by index: a string given alone (`argv: '--port=80'`) read
 * as no flags at all, and a number or a hole failed at read with an engine message.
 */
function checkArgv(argv: unknown, source: string): void {
  if (argv === undefined) return;
  if (!Array.isArray(argv)) throw new ConfigError('argv must be an array of strings', { code: 'INVALID_OPTION', source });
  for (let index = 0; index < argv.length; index++) {
    if (typeof argv[index] !== 'string') throw new ConfigError(`argv[${index}] is not a string`, { code: 'INVALID_OPTION', source });
  }
}

const NEGATIVE_NUMBER = /^-\d/;

/**
 * The dashes that make an argument a flag, or undefined for a word. One dash counts only before a name of two
 * characters or more that is not a negative number: `-x` stays a short flag of some other parser, ignored here.
 */
function flagDashes(arg: string): '--' | '-' | undefined {
  if (arg.startsWith('--')) return '--';
  if (!arg.startsWith('-') || NEGATIVE_NUMBER.test(arg)) return undefined;
  const equals = arg.indexOf('=');
  const name = equals >= 0 ? arg.slice(1, equals) : arg.slice(1);
  return name.length >= 2 ? '-' : undefined;
}

/**
 * Parses argv into a tree, by the rules of `flagsSource`; `origins` receives the flag behind each path. Within the
 * `limits` (a config's, by default its defaults): a flag nesting deeper than `maxDepth`, or flags whose values alone
 * are more than `maxValues` values or `maxBytes` bytes, are a ConfigError (LIMIT) as soon as one is read, before the
 * rest is. Only what the layer is sure to hold is counted (each value, its text, the root), so nothing is refused
 * here that the layer would hold within them.
 */
export function parseFlags(argv: readonly string[], origins?: Origin[], limits?: Pick<ReadOptions, 'maxBytes' | 'maxDepth' | 'maxValues'>): Record<string, Tree> {
  const maxDepth = limits?.maxDepth ?? 64;
  const maxBytes = limits?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxValues = limits?.maxValues ?? DEFAULT_MAX_VALUES;
  // Less the root object: two bytes, one value.
  const budget: SizeBudget = { left: maxBytes - 2, limit: maxBytes, values: maxValues - 1, maxValues };
  const values = new Map<string, { segments: string[]; values: Tree[] }>();
  let index = 0;
  const add = (dashes: string, flag: string, value: Tree) => {
    const segments = flagSegments(flag, maxDepth);
    if (typeof segments === 'number') {
      throw new ConfigError(`argv[${index}] nests ${segments} levels, deeper than maxDepth (${maxDepth})`, { code: 'LIMIT' });
    }
    // A hostile name is dropped from the layer (see unflatten): it holds nothing to count.
    if (segments.length === 0 || segments.some(isHostileKey)) return;
    spend(budget, typeof value === 'string' ? value.length : 1);
    const key = segments.join('\u0000');
    const found = values.get(key);
    if (found) found.values.push(value);
    else {
      values.set(key, { segments, values: [value] });
      origins?.push({ path: segments, origin: `${dashes}${flag}` });
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    index = i;
    if (arg === '--') break;
    const dashes = flagDashes(arg);
    if (dashes === undefined) continue;
    const body = arg.slice(dashes.length);
    const equals = body.indexOf('=');
    if (equals >= 0) {
      add(dashes, body.slice(0, equals), body.slice(equals + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && next !== '--' && (!next.startsWith('-') || NEGATIVE_NUMBER.test(next))) {
      add(dashes, body, next);
      i++;
    } else if (body.startsWith('no-') && body.length > 3) {
      add(dashes, body.slice(3), false);
    } else {
      add(dashes, body, true);
    }
  }
  const entries: FlatEntry[] = [...values.values()].map(({ segments, values: list }) => ({
    segments,
    value: list.length === 1 ? list[0]! : Object.freeze(list),
  }));
  return unflatten(entries);
}

/**
 * A flag's name as path segments: lower-cased, split at `-`, `_` and `.`, empty segments dropped; or, when there are
 * more than `maxDepth`, how many there are. One scan, and no string made past the limit: a name of a million dashes
 * cost a million empty strings when split.
 */
function flagSegments(name: string, maxDepth: number): string[] | number {
  // Lower-cased whole, as before: a letter's case may depend on what follows it (a final sigma before a `.`).
  const flag = name.toLowerCase();
  const segments: string[] = [];
  let count = 0;
  let start = 0;
  for (let i = 0; i <= flag.length; i++) {
    const code = i < flag.length ? flag.charCodeAt(i) : 0x2d;
    if (code !== 0x2d && code !== 0x5f && code !== 0x2e) continue;
    if (i > start && ++count <= maxDepth) segments.push(flag.slice(start, i));
    start = i + 1;
  }
  return count > maxDepth ? count : segments;
}
