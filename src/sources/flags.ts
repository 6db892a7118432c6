import { ConfigError } from '../errors.ts';
import { unflatten, type FlatEntry } from '../reader/keys.ts';
import type { Tree } from '../reader/tree.ts';
import { createChangeSet, type Origin, type Source, type SourceOptions } from './source.ts';
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
 */
export function flagsSource(options: FlagsSourceOptions = {}): Source {
  checkOptionNames(options, FLAGS_OPTIONS, 'flagsSource');
  const name = options.name ?? 'flags';
  checkArgv(options.argv, name);
  return {
    name,
    optional: options.optional,
    read: async () => {
      const origins: Origin[] = [];
      const tree = parseFlags(options.argv ?? process.argv.slice(2), origins);
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

/** Parses argv into a tree, by the rules of `flagsSource`; `origins` receives the flag behind each path. */
export function parseFlags(argv: readonly string[], origins?: Origin[]): Record<string, Tree> {
  const values = new Map<string, { segments: string[]; values: Tree[] }>();
  const add = (dashes: string, flag: string, value: Tree) => {
    const segments = flag.toLowerCase().split(/[-_.]/).filter((segment) => segment !== '');
    if (segments.length === 0) return;
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
