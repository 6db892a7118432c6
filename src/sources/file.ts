import type { UrlLike } from '../url-like.ts';
import { statfsSync, statSync, type BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { createChannel } from '../channel.ts';
import { checkEncoders, resolveFormat, type ResolvedFormat } from '../encoders/registry.ts';
import { documentText } from '../encoders/document-text.ts';
import type { Encoders } from '../encoders/user.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { sleep } from '../sleep.ts';
import { createReloader } from './file-reload.ts';
import type { ReadWait } from './read-waits.ts';
import { platformFileWatcher, type FileWatcher } from './file-watch.ts';
import { isMissing, matchesFile, otherThanFile, withRegularFile } from './read-file.ts';
import {
  applyWatchOption,
  createChangeSet,
  handOver,
  isChangeSet,
  keepData,
  READ_AHEAD,
  sameData,
  type ChangeSet,
  type KeptData,
  type ReadOptions,
  type Source,
  type SourceOptions,
} from './source.ts';
import { checkOptionNames, checkPath, delayOption, isUrl, optionNames } from '../option-checks.ts';

/** Options of a file source. */
export interface FileSourceOptions extends SourceOptions {
  /** The file's path (relative to the working directory), or a `file:` URL. */
  path: string | UrlLike;
  /** The format, when the extension does not say it (`json`, `yaml`, `toml`, `dotenv`, or an encoder's name). */
  format?: string | undefined;
  /**
   * Formats of this source's own, by name (Go Config's `source.WithEncoder`): they win over the config's `encoders`
   * and the built-in formats for this file (see `Encoder`).
   */
  encoders?: Encoders | undefined;
  /**
   * Milliseconds to wait after the last file event before reading (default 5; 0 reads on the event's own turn).
   *
   * **When to use**: `0` when a change must reach `get()` as soon as it is written (about a millisecond on Linux);
   * more when a writer makes many small writes and each intermediate state is not worth publishing.
   *
   * **Details**: every event restarts the wait; however the writes come, the last one is always read. The file is
   * read (and decoded) at the event, while the wait runs; what was read is published when the wait ends if no event
   * came since that read began and a look at the file (one stat) finds it unchanged, and read again then otherwise.
   * Nothing is published before the wait ends.
   *
   * **Gotchas**: at `0`, a writer that rewrites a JSON file in place in several writes may be read between them:
   * the half-written document is refused (an `error` event, the last good layer kept) and the next write is read.
   */
  debounce?: number | undefined;
}

/** A file source: reads one file and follows every way it can be rewritten. */
export type FileSource = Source;

// Reads of a file that changes while it is read: five at once, then seven more 2 to 128 ms apart (254 ms in all; a
// watch's read goes on at the file's next change instead, when it comes sooner).
const QUICK_ATTEMPTS = 5;
const READ_ATTEMPTS = 12;
// A file changed this recently may have been changed again within one tick of the file system's clock. Wide, for
// clocks that tick in seconds (vfat: 2 s, rounded down) and file servers whose clocks lag a little.
const RECENT_MS = 10_000;
const SYNC_READ_LIMIT = 1024 * 1024;

// The file's stat after the read of each change set read from it, to tell whether the path still leads to that file,
// unchanged. Weak: a change set (and a large file's bytes) is held by nothing here.
const readFrom = new WeakMap<ChangeSet, BigIntStats>();

/**
 * procfs, sysfs, cgroup (v1 and v2), debugfs, tracefs, configfs and securityfs, whose files are made as they are
 * read: their size says nothing (0, or a page) and two reads may differ, so neither the size check nor the second
 * read can tell a finished file. Their magic numbers, as Linux's statfs gives them.
 */
const GENERATED_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x74726163, 0x62656570, 0x73636673,
]);

/**
 * A config file, hot-reloaded. It watches the path, not just the file, so it sees in-place writes, writes to a
 * temporary file renamed over it, delete and recreate, Kubernetes' `..data` symlink swaps, and its directory or a
 * link on its path replaced. A missing `optional` file is an empty layer until it appears.
 */
export function fileSource(pathOrOptions: string | UrlLike | FileSourceOptions): FileSource {
  return watchedFileSource(pathOrOptions, platformFileWatcher);
}

const FILE_OPTIONS = optionNames<FileSourceOptions>()('path', 'format', 'encoders', 'debounce', 'name', 'optional', 'watch');

/** A file source that watches its path with the given watcher (each watcher is tested on every platform it runs on). */
export function watchedFileSource(pathOrOptions: string | UrlLike | FileSourceOptions, watcher: FileWatcher): FileSource {
  const asked = checkOptionNames(typeof pathOrOptions === 'string' || isUrl(pathOrOptions) ? { path: pathOrOptions } : pathOrOptions, FILE_OPTIONS, 'fileSource');
  // A URL's path from here on: names, errors and the format read it as a path.
  const options = { ...asked, path: checkPath(asked.path, 'a file source') };
  const path = resolve(options.path);
  const name = options.name ?? `file:${options.path}`;
  const own = checkEncoders(options.encoders, { source: name });
  const wanted = wantedFormat(options, name, path);
  // The config's encoders, told on its reads: the format is resolved then, as they may be the ones that know it.
  let configEncoders: Encoders | undefined;
  const debounce = delayOption(options.debounce, 'debounce', { source: name, zero: true }) ?? 5;
  const channel = createChannel<ChangeSet>();
  const watches = new Set<() => Promise<void>>();
  // Who hears of a change set read ahead of the watch yielding it (the config, to decode it meanwhile).
  const aheadListeners = new Set<(changeSet: ChangeSet | undefined) => void>();
  const closing = new AbortController();

  // What was last handed out (by `read()` or the watch), the bytes of a large file by their digest only: a watch
  // yields only what differs from it.
  let handed: KeptData | undefined;

  // The config's limit, told on its reads; the watch's own reads use the last one.
  let maxBytes = DEFAULT_MAX_BYTES;
  async function read(_signal?: AbortSignal, limits?: ReadOptions): Promise<ChangeSet> {
    maxBytes = limits?.maxBytes ?? maxBytes;
    if (limits) configEncoders = limits.encoders;
    const changeSet = await readNow();
    handed = keepData(changeSet);
    return changeSet;
  }

  /** Reads the file now, without handing it out; `wait` is how it waits between reads of a file changing meanwhile. */
  async function readNow(wait: ReadWait = sleep): Promise<ChangeSet> {
    try {
      const { changeSet, after } = await readStable(path, name, resolveFileFormat(wanted, [own, configEncoders], options, path), maxBytes, closing.signal, wait);
      readFrom.set(changeSet, after);
      return changeSet;
    } catch (error) {
      if (error instanceof ConfigError) throw error.withSource(name);
      // A missing optional file is an empty layer (not empty text, which a file being rewritten also reads as).
      if (options.optional && isMissing(error)) return createChangeSet(name, 'object', {}, Date.now());
      throw new ConfigError(isMissing(error) ? 'file not found' : `cannot read the file (${codeOf(error)})`, {
        code: 'READ',
        source: name,
        path,
        cause: error,
      });
    }
  }

  async function watch(signal?: AbortSignal): Promise<AsyncIterableIterator<ChangeSet>> {
    // Set up on the next turn, off the path of `createConfig`: the read once the watch is ready covers any change
    // made meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
    if (stopped.aborted) return channel.subscribe(stopped);
    const reloader = createReloader({
      read: readNow,
      debounce,
      offer(changeSet) {
        const previous = handed;
        handed = keepData(changeSet);
        // A watch yields changes only: not the content its consumer already has (the re-read once the watcher is
        // ready, an identical rewrite), nor, when nothing was read before, the content it started on.
        if (previous !== undefined && !sameData(previous, changeSet)) channel.push(changeSet);
      },
      fail: (error) => channel.fail(error),
      ahead(changeSet) {
        for (const listen of aheadListeners) listen(changeSet);
      },
      // Not a file last read over 1 MiB (kept by its digest): it decodes on a thread, and reading it ahead would
      // save one read at the cost of up to three more while events keep coming.
      readsAhead: () => handed === undefined || isChangeSet(handed),
      unchanged(changeSet) {
        // A change set not read from the file (an optional file missing) is read again.
        const seen = readFrom.get(changeSet);
        if (seen === undefined) return false;
        try {
          return sameFile(seen, statSync(path, { bigint: true }), Number(seen.size));
        } catch {
          return false;
        }
      },
    });
    let failed = false;
    const handle = watcher(
      path,
      {
        onChange: () => reloader.changed(),
        onMoved: () => reloader.recheck(),
        // A failed watcher is reported, then this watch ends, so that it is started again (after a backoff).
        onError: (error) => {
          if (failed) return;
          failed = true;
          reloader.stop();
          void handle.close();
          channel.fail(new ConfigError('file watcher failed', { code: 'WATCH', source: name, path, cause: error }));
        },
      },
      stopped,
    );
    const iterator = channel.subscribe(stopped);
    const stop = async () => {
      reloader.stop();
      watches.delete(stop);
      await handle.close();
    };
    watches.add(stop);
    stopped.addEventListener('abort', () => void stop(), { once: true });
    // A close before the watch is ready must end this wait itself.
    try {
      await Promise.race([handle.ready, new Promise((resolve) => stopped.addEventListener('abort', resolve, { once: true }))]);
    } catch (error) {
      await stop();
      await iterator.return?.();
      throw error;
    }
    // The file may have changed between the first read and the watcher being ready: read it once more.
    if (!stopped.aborted) reloader.reload();
    return closingIterator(iterator, stop, () => failed);
  }

  return applyWatchOption(
    {
      name,
      optional: options.optional,
      read,
      watch: (signal) => lazyIterable(() => watch(signal)),
      [READ_AHEAD](listen: (changeSet: ChangeSet | undefined) => void) {
        aheadListeners.add(listen);
        return () => void aheadListeners.delete(listen);
      },
      async close() {
        closing.abort();
        channel.end();
        await Promise.all([...watches].map(async (stop) => stop()));
      },
    },
    options,
  );
}

/** A file source's options once its path is checked: a string, a URL's path. */
type FileSettings = FileSourceOptions & { readonly path: string };

/** The format name or extension a file's options and name give; one without either is an error at once. */
function wantedFormat(options: FileSettings, name: string, path: string): string {
  const base = basename(options.path);
  const dotenv = base === '.env' || base.startsWith('.env.');
  const wanted = options.format ?? (dotenv ? 'dotenv' : extname(base).slice(1));
  // No encoder has an empty name: nothing the config may register can decode this.
  if (wanted === '') throw unknownFormat(options, path, name);
  return wanted;
}

/** The format of the file among the encoders in force (its own, its config's, the built-in ones). */
function resolveFileFormat(wanted: string, tables: readonly (Encoders | undefined)[], options: FileSettings, path: string): ResolvedFormat {
  const resolved = resolveFormat(wanted, tables);
  if (resolved === undefined) throw unknownFormat(options, path);
  return resolved;
}

/** Why no format fits; a path that is a directory, a FIFO or a device is that first, whatever its name. */
function unknownFormat(options: FileSettings, path: string, name?: string): ConfigError {
  // `fileSource('conf')` of a directory `conf` was refused for its missing extension, which was not the trouble.
  const other = otherThanFile(path);
  if (other) return new ConfigError(`not a regular file (${other})`, { code: 'READ', source: name, path: options.path });
  return new ConfigError(
    options.format
      ? `unknown format "${options.format}"; register an encoder for it (encoders)`
      : `cannot tell the format of "${options.path}" from its extension; pass the format option, or register an encoder for the extension (encoders)`,
    { code: 'FORMAT', source: name, path: options.path },
  );
}

/**
 * Reads a file, then checks it against what it was before and is after: a file written meanwhile (its change time
 * moved, its size differs from what was read, another file renamed over it) is read again, so a write in progress
 * is not taken for the file. The change time catches a rewrite in place of the same size read half old, half new
 * (a valid document with values from two versions) only when the rewrite lands in a later tick of the file
 * system's clock, which may be 4 ms or coarser; so a file changed in the last seconds is read a second time and
 * taken only when both reads agree. A file that changes under every read is not taken: the read fails after
 * about a quarter of a second of waits (at once once the source is closed; a watch's wait ends at the file's next
 * change), and the write that comes last is read at its own event. Gives the change set and the file's stat after
 * its read.
 */
async function readStable(
  path: string,
  name: string,
  format: ResolvedFormat,
  maxBytes: number,
  closing: AbortSignal,
  wait: ReadWait,
): Promise<{ changeSet: ChangeSet; after: BigIntStats }> {
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    // Past the first attempts, wait 2, 4, 8… ms for a writer to finish (a watch's read, no longer than the file's
    // next change: the writer's next step); a closed source waits no more.
    if (attempt > QUICK_ATTEMPTS) {
      if (closing.aborted) break;
      await wait(2 ** (attempt - QUICK_ATTEMPTS), closing);
    }
    // A file up to 1 MiB (config files nearly always are) is read synchronously: a tenth of a millisecond per
    // 300 KB, a fraction of what parsing it then takes on the same thread, against several round trips through
    // libuv's thread pool for an asynchronous read and stat. What the file was before the read is taken on the
    // file opened. A file changed in the last seconds is read a second time, on the file still open from the first,
    // and then one stat of the path tells whether it still leads to that file, unchanged since it was opened: a
    // change time only moves on (a rename away and back moves it too), so the stat between the two reads that was
    // made before told nothing this one does not.
    const read = await withRegularFile(path, maxBytes, async (bytes, before, fd) => {
      const small = before.size <= SYNC_READ_LIMIT;
      // A large file that changed meanwhile is not read a second time to find that out.
      if (!small) {
        const first = await statOf(path, small);
        if (!sameFile(before, first, bytes.byteLength)) return isGenerated(path, before, first) ? { bytes, after: first, small } : undefined;
      }
      const agrees = before.ctimeNs < BigInt(Date.now() - RECENT_MS) * 1_000_000n || (await matchesFile(path, bytes, fd));
      const after = await statOf(path, small);
      if (!sameFile(before, after, bytes.byteLength)) return isGenerated(path, before, after) ? { bytes, after, small } : undefined;
      return agrees ? { bytes, after, small } : undefined;
    });
    if (read === undefined) continue;
    const { bytes, after, small } = read;
    // A user's encoder is given the file's bytes, as they are. So is every file over 1 MiB: it is decoded on a
    // thread, and a text made from them here would stand beside them until the next collection, a copy of the
    // document (16 MiB at the limit) held for nothing while it decodes. The source keeps only their digest, so
    // they are handed over: the thread takes them, not a copy.
    const data = format.encoder ? bytes : small ? textOrBytes(bytes) : handOver(bytes);
    const changeSet = createChangeSet(name, format.format, data, Number(after.mtimeNs / 1_000_000n));
    if (format.encoder) changeSet.encoder = format.encoder;
    return { changeSet, after };
  }
  throw new ConfigError('the file changed during every read of it; it is read again at its next change', { code: 'READ', source: name, path });
}

/**
 * A small file's text (see `documentText`); bytes that are not text stay bytes, which the loader refuses at their
 * line and column as it refuses a document that does not parse, the last good layer kept.
 */
function textOrBytes(bytes: Buffer): string | Buffer {
  try {
    return documentText(bytes);
  } catch {
    return bytes;
  }
}

/** A path's stat: at once for a small file (read synchronously too), else through the thread pool. */
async function statOf(path: string, small: boolean): Promise<BigIntStats> {
  return small ? statSync(path, { bigint: true }) : await stat(path, { bigint: true });
}

/** Whether the file, the same before and after its read and of the size it reported, is made as it is read. */
function isGenerated(path: string, before: BigIntStats, after: BigIntStats): boolean {
  if (after.ino !== before.ino || after.size !== before.size || after.ctimeNs !== before.ctimeNs) return false;
  try {
    return GENERATED_FILE_SYSTEMS.has(Number(statfsSync(path).type));
  } catch {
    return false;
  }
}

/** Whether two stats of a path, taken around a read of `length` bytes, show the same file, unchanged. */
function sameFile(before: BigIntStats, after: BigIntStats, length: number): boolean {
  return after.size === BigInt(length) && after.ctimeNs === before.ctimeNs && after.ino === before.ino;
}

function codeOf(error: unknown): string {
  return (error as { code?: string } | undefined)?.code ?? 'unknown error';
}

/** An iterable whose iterator is created on first use (watching starts only when someone reads). */
function lazyIterable<T>(create: () => Promise<AsyncIterableIterator<T>>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let inner: Promise<AsyncIterableIterator<T>> | undefined;
      let failed = false;
      const get = () => (inner ??= create());
      return {
        async next(): Promise<IteratorResult<T>> {
          let iterator: AsyncIterableIterator<T>;
          try {
            iterator = await get();
          } catch (error) {
            // Report a failed start once, then end, so the consumer starts over.
            if (failed) return { done: true, value: undefined };
            failed = true;
            throw error;
          }
          return iterator.next();
        },
        return: async () => (inner ? (await inner).return?.() : undefined) ?? { done: true, value: undefined },
      };
    },
  };
}

/**
 * Wraps an iterator so that ending it also stops the resource behind it; once `failed` says so, the error it
 * rejected with is its last word, and it ends.
 */
function closingIterator<T>(iterator: AsyncIterableIterator<T>, stop: () => Promise<void>, failed: () => boolean): AsyncIterableIterator<T> {
  let stopped = false;
  let ended = false;
  const once = async () => {
    if (!stopped) {
      stopped = true;
      await stop();
    }
  };
  const wrapped: AsyncIterableIterator<T> = {
    async next() {
      if (ended) {
        await once();
        return { done: true, value: undefined };
      }
      let result: IteratorResult<T>;
      try {
        result = await iterator.next();
      } catch (error) {
        if (failed()) ended = true;
        throw error;
      }
      if (result.done) await once();
      return result;
    },
    async return() {
      await once();
      return iterator.return?.() ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}
