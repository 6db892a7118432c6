import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { createChannel } from '../channel.ts';
import { formatName } from '../encoders/index.ts';
import { ConfigError } from '../errors.ts';
import { untilDirectory, watchDirectory, type DirectorySubscription } from './directory-watch.ts';
import { applyWatchOption, createChangeSet, sameData, type ChangeSet, type Source, type SourceOptions } from './source.ts';

/** Options of a file source. */
export interface FileSourceOptions extends SourceOptions {
  /** The file's path (relative to the working directory). */
  path: string;
  /** The format, when the extension does not say it (`json`, `yaml`, `toml`, `dotenv`). */
  format?: string | undefined;
  /** Milliseconds to wait after the last file event before reading (default 5; 0 reads at once). */
  debounce?: number | undefined;
}

/** A file source: reads one file and follows every way it can be rewritten. */
export type FileSource = Source;

const READ_ATTEMPTS = 5;
const SYNC_READ_LIMIT = 1024 * 1024;
const CHOKIDAR_THROTTLE = 50;

/**
 * A config file, hot-reloaded. It watches the file's directory, not the file, so it sees in-place writes,
 * writes to a temporary file renamed over it, delete and recreate, and Kubernetes' `..data` symlink swaps alike.
 * A missing `optional` file is an empty layer until it appears.
 */
export function fileSource(pathOrOptions: string | FileSourceOptions): FileSource {
  const options = typeof pathOrOptions === 'string' ? { path: pathOrOptions } : pathOrOptions;
  const path = resolve(options.path);
  const name = options.name ?? `file:${options.path}`;
  const format = resolveFormat(options, name);
  const debounce = Math.max(0, options.debounce ?? 5);
  const channel = createChannel<ChangeSet>();
  const subscriptions = new Set<DirectorySubscription>();
  const closing = new AbortController();

  // The content last handed out (by `read()` or the watch): a watch yields only what differs from it.
  let handed: ChangeSet | undefined;

  async function read(): Promise<ChangeSet> {
    try {
      return (handed = await readStable(path, name, format));
    } catch (error) {
      // A missing optional file is an empty layer (not empty text, which a file being rewritten also reads as).
      if (options.optional && isMissing(error)) return (handed = createChangeSet(name, 'object', {}, Date.now()));
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
    const directory = dirname(path);
    // A directory that does not exist yet (an optional file in a `conf.d` made later) is waited for quietly.
    const stopped = signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
    if (!(await untilDirectory(directory, stopped))) return closingIterator(channel.subscribe(stopped), async () => {});
    const iterator = channel.subscribe(signal);
    const target = basename(path);
    let timer: NodeJS.Timeout | undefined;
    let trailing: NodeJS.Timeout | undefined;
    let reading = Promise.resolve();
    const reread = () => {
      reading = reading.then(async () => {
        try {
          const previous = handed;
          const changeSet = await read();
          // A file that exists but is empty is one being rewritten (opened with O_TRUNC, not yet written), however
          // long the writer pauses: publishing it would drop every key. Its next content is picked up instead; to
          // clear a file's layer, write an empty object or delete the file (with `optional`).
          if (isEmptyFile(changeSet)) {
            handed = previous;
            return;
          }
          // A watch yields changes only: not the content its consumer already has (the re-read once the watcher
          // is ready, an identical rewrite), nor, when nothing was read before, the content it started on.
          if (previous === undefined || sameData(previous, changeSet)) return;
          channel.push(changeSet);
        } catch (error) {
          channel.fail(error);
        }
      });
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(reread, debounce);
      // chokidar drops a second `change` of one file within 50 ms (its throttle has no trailing call), so a write
      // finished right after the one that woke us would go unseen: read once more after that window.
      clearTimeout(trailing);
      trailing = setTimeout(reread, debounce + CHOKIDAR_THROTTLE + 10);
    };
    const subscription = await watchDirectory(directory, {
      // `..data` is the symlink a Kubernetes ConfigMap volume swaps; the file's own name covers everything else.
      onEntry: (entry) => {
        if (entry === target || entry === '..data') schedule();
      },
      // A symlinked directory on the path was swapped (a `current -> release` deploy): the file may be another.
      onReplaced: schedule,
      onError: (error) => channel.fail(new ConfigError('file watcher failed', { code: 'WATCH', source: name, path, cause: error })),
    });
    subscriptions.add(subscription);
    const stop = async () => {
      clearTimeout(timer);
      clearTimeout(trailing);
      subscriptions.delete(subscription);
      await subscription.close();
    };
    signal?.addEventListener('abort', () => void stop(), { once: true });
    // A close before the watch is ready must end this wait itself.
    await new Promise<void>((ready) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        closing.signal.removeEventListener('abort', done);
        ready();
      };
      void subscription.ready.then(done);
      signal?.addEventListener('abort', done, { once: true });
      closing.signal.addEventListener('abort', done, { once: true });
      if (signal?.aborted || closing.signal.aborted) done();
    });
    // The file may have changed between the first read and the watcher being ready: read it once more.
    reread();
    return closingIterator(iterator, stop);
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read,
    watch: (signal) => lazyIterable(() => watch(signal)),
    async close() {
      closing.abort();
      channel.end();
      await Promise.all([...subscriptions].map(async (subscription) => subscription.close()));
      subscriptions.clear();
    },
  }, options);
}

function resolveFormat(options: FileSourceOptions, name: string): string {
  const base = basename(options.path);
  const dotenv = base === '.env' || base.startsWith('.env.');
  const format = formatName(options.format ?? (dotenv ? 'dotenv' : extname(base).slice(1)));
  if (format === undefined) {
    throw new ConfigError(
      options.format
        ? `unknown format "${options.format}"`
        : `cannot tell the format of "${options.path}" from its extension; pass the format option`,
      { code: 'FORMAT', source: name, path: options.path },
    );
  }
  return format;
}

/**
 * Reads a file, then checks its size against what was read: a file still being written (or truncated meanwhile)
 * is read again, so a write in progress is not taken for the file.
 */
async function readStable(path: string, name: string, format: string): Promise<ChangeSet> {
  for (let attempt = 1; ; attempt++) {
    // A file up to 1 MiB (config files nearly always are) is read synchronously: a tenth of a millisecond per
    // 300 KB, a fraction of what parsing it then takes on the same thread, against several round trips through
    // libuv's thread pool for an asynchronous read and stat.
    const before = statSync(path);
    // A large file is read as bytes and decoded once: asking for text decodes it chunk by chunk, a third slower.
    const data = before.size <= SYNC_READ_LIMIT ? readFileSync(path, 'utf8') : (await readFile(path)).toString('utf8');
    const after = before.size <= SYNC_READ_LIMIT ? statSync(path) : await stat(path);
    if (after.size === Buffer.byteLength(data) || attempt >= READ_ATTEMPTS) return createChangeSet(name, format, data, after.mtimeMs);
  }
}

function isEmptyFile(changeSet: ChangeSet): boolean {
  return changeSet.data === '';
}

function isMissing(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
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

/** Wraps an iterator so that ending it also stops the resource behind it. */
function closingIterator<T>(iterator: AsyncIterableIterator<T>, stop: () => Promise<void>): AsyncIterableIterator<T> {
  let stopped = false;
  const once = async () => {
    if (!stopped) {
      stopped = true;
      await stop();
    }
  };
  const wrapped: AsyncIterableIterator<T> = {
    async next() {
      const result = await iterator.next();
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
