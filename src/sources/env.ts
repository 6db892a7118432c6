import { resolve } from 'node:path';
import { createChannel } from '../channel.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_VALUES, spend, type SizeBudget } from '../reader/budget.ts';
import { envKeyToSegments, unflatten } from '../reader/keys.ts';
import { fileSource } from './file.ts';
import { fileText } from './read-file.ts';
import { SECRET_FILE_LIMITS, secretFileValue } from './secret-files.ts';
import { failuresThrown, failuresYielded, type WatchFailure } from './watch-failures.ts';
import { applyWatchOption, createChangeSet, type ChangeSet, type ReadOptions, type Source, type SourceOptions } from './source.ts';
import { checkOptionNames, optionNames, stringList } from '../option-checks.ts';

/** Options of the environment source. */
export interface EnvSourceOptions extends SourceOptions {
  /** Keep only variables starting with this prefix (or one of these), and keep it as the first segment. */
  prefix?: string | readonly string[] | undefined;
  /** Keep only variables starting with this prefix (or one of these), and drop it. */
  strippedPrefix?: string | readonly string[] | undefined;
  /** What separates nesting levels in a name (default `_`; `__` keeps `REGISTRY_ADDRESS` one key). */
  separator?: string | undefined;
  /** A .env file read beneath the environment (a variable set in the environment wins). */
  file?: string | undefined;
  /** .env files read beneath the environment, a later file winning over an earlier one. */
  files?: readonly string[] | undefined;
  /** Also copy the .env files' variables into `process.env` where not already set (default false). */
  populate?: boolean | undefined;
  /** The environment to read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Variables with this suffix name a file holding the value, as Docker's official images read them:
   * `DB_PASSWORD_FILE=/run/secrets/db` gives `db.password` the file's content (a regular file of at most 1 MiB of
   * UTF-8 text, a leading byte order mark and one trailing newline dropped), a secret never printed. The files are
   * followed: a rewrite, or a secret volume's `..data` swap, publishes the new value.
   *
   * **Gotchas**: setting both `DB_PASSWORD` and `DB_PASSWORD_FILE` is an error, and so is a missing file; use it
   * with a prefix, so that only your own `_FILE` variables are read, not another program's.
   */
  fileSuffix?: string | undefined;
}

const ENV_OPTIONS = optionNames<EnvSourceOptions>()('prefix', 'strippedPrefix', 'separator', 'file', 'files', 'populate', 'env', 'fileSuffix', 'name', 'optional', 'watch');

/**
 * The environment, mapped as Go Config maps it: `DATABASE_HOST` → `database.host` (lower-cased, split on the
 * separator, empty segments dropped). Values stay strings; the accessors convert. .env files are parsed with
 * dotenv's grammar and followed: editing one publishes a change.
 */
export function envSource(options: EnvSourceOptions = {}): Source {
  options = checkOptionNames(options, ENV_OPTIONS, 'envSource');
  const name = options.name ?? 'env';
  const separator = options.separator ?? '_';
  if (separator === '') throw new ConfigError('the separator cannot be empty', { code: 'INVALID_OPTION', source: name });
  const kept = prefixes(options.prefix, separator, 'prefix');
  const stripped = prefixes(options.strippedPrefix, separator, 'strippedPrefix');
  const files = [...(options.file ? [options.file] : []), ...(stringList(options.files, 'files', { source: name }) ?? [])].map((file) => resolve(file));
  const given = options.env as unknown;
  // A string (`env: 'A=1'`) read as one variable a character; an array, by index.
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new ConfigError('the env option must be an object of variables and their string values', { code: 'INVALID_OPTION', source: name });
  }
  const suffix = options.fileSuffix;
  if (suffix === '') throw new ConfigError('the file suffix cannot be empty', { code: 'INVALID_OPTION', source: name });
  const channel = createChannel<ChangeSet>();
  const followers = files.map((file) => fileSource({ path: file, format: 'dotenv', optional: true, name: `${name}:${file}` }));
  // The files `_FILE` variables name, by path: created as reads find them, followed from the watch's start.
  const secretFiles = new Map<string, Source>();
  const secretFile = (path: string) => {
    let follower = secretFiles.get(path);
    // Nothing decodes the file as a document: the file source hands over its bytes (as it does to an encoder of the
    // source's own), and news of it.
    if (follower === undefined) secretFiles.set(path, (follower = fileSource({ path, format: 'secret', encoders: SECRET_BYTES, name: `${name}:${path}` })));
    return follower;
  };

  async function read(_signal?: AbortSignal, limits?: ReadOptions): Promise<ChangeSet> {
    const vars = new Map<string, string>();
    // Through the file sources that follow them, so that their watches yield only what changes after this read.
    for (const follower of followers) {
      for (const [key, value] of Object.entries(await readDotenv(follower, name, limits))) vars.set(key, value);
    }
    if (options.populate) {
      for (const [key, value] of vars) if (!Object.hasOwn(process.env, key)) process.env[key] = value;
    }
    const environment = options.env ?? process.env;
    for (const key of Object.keys(environment)) {
      const value: unknown = environment[key];
      if (value === undefined) continue;
      // A variable's value is text: a number or an object given from JavaScript was taken into the config as it was.
      if (typeof value !== 'string') throw new ConfigError(`the value of ${key} is not a string`, { code: 'INVALID_OPTION', source: name, path: key });
      vars.set(key, value);
    }
    // The variables this source maps, each checked against the limits before any is sorted or built: a million of
    // them, or a name of a million levels, is refused at the first past a limit (4.7 s and 1.7 s of the event loop
    // before, spent building what the config then refused).
    const maxDepth = limits?.maxDepth ?? 64;
    const maxBytes = limits?.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxValues = limits?.maxValues ?? DEFAULT_MAX_VALUES;
    // Less the root object; only what the layer is sure to hold is counted: each value, and its text when known.
    const budget: SizeBudget = { left: maxBytes - 2, limit: maxBytes, values: maxValues - 1, maxValues };
    const mappedVars: { key: string; given: string; named: string | undefined; segments: string[] }[] = [];
    for (const [key, given] of vars) {
      const named = suffix !== undefined && key.endsWith(suffix) && key.length > suffix.length ? key.slice(0, -suffix.length) : undefined;
      const mapped = mapName(named ?? key, kept, stripped);
      if (mapped === undefined) continue;
      if (deeperThan(mapped, separator, maxDepth)) {
        const shown = cutName(key);
        throw new ConfigError(`${shown} nests more than ${maxDepth} levels (maxDepth)`, { code: 'LIMIT', source: name, path: shown });
      }
      try {
        spend(budget, named === undefined ? given.length : 0);
      } catch (error) {
        throw toConfigError(error, 'LIMIT', name);
      }
      mappedVars.push({ key, given, named, segments: envKeyToSegments(mapped, { separator }) });
    }
    const entries = [];
    const origins = [];
    for (const { key, given, named, segments } of mappedVars.sort(({ key: a }, { key: b }) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (named !== undefined && vars.has(named)) {
        throw new ConfigError(`both ${named} and ${key} are set; set one of them`, { code: 'DECODE', source: name, path: key });
      }
      // An empty one (`DB_PASSWORD_FILE=$UNSET`) names no file: it would be the working directory once resolved.
      if (named !== undefined && given === '') {
        throw new ConfigError(`${key} is empty: it names no file`, { code: 'READ', source: name, path: key });
      }
      const value = named === undefined ? given : await readSecretFile(secretFile(resolve(given)), key, name, limits);
      entries.push({ segments, value });
      origins.push({ path: segments, origin: key, secret: named !== undefined || undefined });
    }
    return createChangeSet(name, 'object', unflatten(entries), Date.now(), origins);
  }

  async function* follow(signal?: AbortSignal): AsyncGenerator<ChangeSet | WatchFailure, void, undefined> {
    // Each file's own watcher only says "something changed"; the whole environment is read again. The files were
    // read through these same file sources: each watch yields what changed since, even before it was ready.
    const sources = [...followers, ...secretFiles.values()];
    const iterators = sources.map((follower) => follower.watch!(signal)[Symbol.asyncIterator]());
    // A file whose watch ended (its watcher failed) is no longer followed: this watch ends once that failure is
    // reported, so that it is created again with every file's. A failed read is reported and the watch goes on.
    let lost = false;
    const pumps = iterators.map(async (iterator, index) => {
      for (;;) {
        try {
          const { done } = await iterator.next();
          if (done) {
            lost = true;
            return;
          }
          channel.push(await read());
        } catch (error) {
          // Only a watch's own failure is not a ConfigError (its start failed): it ends that watch.
          channel.fail(error instanceof ConfigError ? error : toConfigError(error, 'WATCH', sources[index]!.name));
        }
      }
    });
    try {
      yield* failuresYielded(channel.subscribe(signal), (error) => lost || (error instanceof ConfigError && error.code === 'WATCH'));
    } finally {
      await Promise.all(iterators.map((iterator) => iterator.return?.()));
      await Promise.allSettled(pumps);
    }
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read,
    ...(files.length > 0 || suffix !== undefined ? { watch: (signal?: AbortSignal) => failuresThrown(follow(signal)) } : {}),
    async close() {
      channel.end();
      await Promise.all([...followers, ...secretFiles.values()].map(async (follower) => follower.close?.()));
    },
  }, options);
}

/** Whether a name splits into more than `most` non-empty segments at the separator (counted, no string made). */
function deeperThan(name: string, separator: string, most: number): boolean {
  let count = 0;
  let start = 0;
  for (;;) {
    const end = name.indexOf(separator, start);
    if ((end < 0 ? name.length : end) > start && ++count > most) return true;
    if (end < 0) return false;
    start = end + separator.length;
  }
}

/** A variable's name as a message shows it: its first 64 characters (a name may be as long as a value). */
function cutName(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

function prefixes(value: string | readonly string[] | undefined, separator: string, what: string): string[] {
  const list: unknown[] = value === undefined ? [] : typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
  if (!list.every((prefix): prefix is string => typeof prefix === 'string')) {
    throw new ConfigError(`${what} must be a string or an array of strings`, { code: 'INVALID_OPTION' });
  }
  return list.map((prefix) => (prefix.endsWith(separator) ? prefix : prefix + separator));
}

/** The part of a variable's name that maps to a path, or undefined when the prefixes exclude it. */
function mapName(key: string, kept: readonly string[], stripped: readonly string[]): string | undefined {
  for (const prefix of stripped) if (key.startsWith(prefix)) return key.slice(prefix.length);
  if (kept.length === 0 && stripped.length === 0) return key;
  for (const prefix of kept) if (key.startsWith(prefix)) return key;
  return undefined;
}

// The format a `_FILE` variable's file is read in: an encoder of its source's own, so that its bytes are handed
// over as they are (nothing decodes them as a document).
const SECRET_BYTES = { secret: { decode: () => ({}) } };

async function readDotenv(file: Source, source: string, limits: ReadOptions | undefined): Promise<Record<string, string>> {
  let read: ChangeSet;
  try {
    // An optional file source: a missing .env file (development machines have one, production rarely does) is empty.
    read = await file.read(undefined, limits);
  } catch (error) {
    throw toConfigError(error, 'READ', source);
  }
  let text: string | undefined;
  try {
    text = fileText(read.data);
  } catch (error) {
    // Bytes that are not text: named by the file's source, at their line and column.
    throw toConfigError(error, 'DECODE', file.name);
  }
  if (text === undefined) return {};
  const { parseDotenv } = await import('../encoders/dotenv.ts');
  return parseDotenv(text);
}

/**
 * The value a `_FILE` variable names: its file's text, read through the file source that follows it, at most 1 MiB
 * of UTF-8, a leading byte order mark and one trailing newline dropped. Errors name the variable and the file, never
 * the content.
 */
async function readSecretFile(file: Source, variable: string, source: string, limits: ReadOptions | undefined): Promise<string> {
  const maxBytes = Math.min(SECRET_FILE_LIMITS.fileBytes, limits?.maxBytes ?? Infinity);
  let read: ChangeSet;
  try {
    read = await file.read(undefined, { ...limits, maxBytes });
  } catch (error) {
    const failure = toConfigError(error, 'READ');
    throw new ConfigError(`${variable}: ${failure.detail}`, { code: failure.code, source, path: variable, cause: failure.cause });
  }
  // The value is the file's UTF-8 text as a secrets directory's file gives it, exactly (its bytes were decoded
  // leniently before: a byte that was not UTF-8 became U+FFFD, and the value would be wrong).
  try {
    return secretFileValue(read.data instanceof Uint8Array ? read.data : new Uint8Array(0), variable, source);
  } catch {
    throw new ConfigError(`${variable}: the file is not UTF-8 text`, { code: 'DECODE', source, path: variable });
  }
}
