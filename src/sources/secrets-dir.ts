import type { UrlLike } from '../url-like.ts';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createChannel } from '../channel.ts';
import { ConfigError } from '../errors.ts';
import { unflatten } from '../reader/keys.ts';
import { untilDirectory, watchDirectory, type DirectoryListener, type DirectorySubscription } from './directory-watch.ts';
import { QUIET_MS } from './cut-text.ts';
import { dataLinkTarget, readSecretFiles, type SecretFilesReading } from './secret-files.ts';
import { failureKey, failuresThrown, failuresYielded, type WatchFailure } from './watch-failures.ts';
import { applyWatchOption, createChangeSet, type ChangeSet, type Source, type SourceOptions } from './source.ts';
import { checkOptionNames, checkPath, delayOption, isUrl, optionNames } from '../option-checks.ts';

/** Options of a secrets directory source. */
export interface SecretsDirSourceOptions extends SourceOptions {
  /** The directory (`/run/secrets`, a Kubernetes secret volume's mount path), or a `file:` URL. */
  dir: string | UrlLike;
  /** What else splits a file's name into nested keys, besides dots (`__` maps `db__password` to `db.password`). */
  separator?: string | undefined;
  /** Milliseconds to wait after the last change before reading (default 5; 0 reads at once). */
  debounce?: number | undefined;
}

const READ_ATTEMPTS = 5;
const CHOKIDAR_THROTTLE = 50;

const SECRETS_DIR_OPTIONS = optionNames<SecretsDirSourceOptions>()('dir', 'separator', 'debounce', 'name', 'optional', 'watch');

/**
 * A directory of secret files, laid out the way Docker (`/run/secrets`) and Kubernetes secret volumes lay it out:
 * each regular file is a key, its content the value (a leading byte order mark and one trailing newline dropped);
 * nested directories nest, and a file's name nests at dots and at `separator`. Every value is a secret, never
 * printed. Hidden entries (`..data`, `..2024_…`) are skipped, sizes are bounded, and the directory is followed:
 * files added, changed or removed, and a volume's `..data` link swapped.
 */
export function secretsDirSource(dirOrOptions: string | UrlLike | SecretsDirSourceOptions): Source {
  const asked = checkOptionNames(typeof dirOrOptions === 'string' || isUrl(dirOrOptions) ? { dir: dirOrOptions } : dirOrOptions, SECRETS_DIR_OPTIONS, 'secretsDirSource');
  // A URL's path from here on: names and origins read it as a path.
  const options = { ...asked, dir: checkPath(asked.dir, 'a secrets directory source') };
  const root = resolve(options.dir);
  const name = options.name ?? `secrets:${options.dir}`;
  if (options.separator === '') throw new ConfigError('the separator cannot be empty', { code: 'INVALID_OPTION', source: name });
  const debounce = delayOption(options.debounce, 'debounce', { source: name, zero: true }) ?? 5;
  const channel = createChannel<ChangeSet>();
  const closing = new AbortController();
  const following = new Set<Promise<void>>();

  /** The directory read whole; read again if a volume's `..data` link was swapped meanwhile (files of two versions). */
  async function readLayer(): Promise<{ changeSet: ChangeSet; reading: SecretFilesReading }> {
    const found = await stat(root).catch(() => undefined);
    if (!found?.isDirectory()) {
      if (options.optional) return { changeSet: createChangeSet(name, 'object', {}), reading: { files: [], directories: [], newest: 0 } };
      throw new ConfigError(found ? 'not a directory' : 'directory not found', { code: 'READ', source: name, path: root });
    }
    for (let attempt = 1; ; attempt++) {
      const before = await dataLinkTarget(root);
      const reading = await readSecretFiles(root, name, options.separator);
      if (attempt < READ_ATTEMPTS && (await dataLinkTarget(root)) !== before) continue;
      const origins = reading.files.map((file) => ({ path: file.segments, origin: join(options.dir, file.file), secret: true }));
      return { changeSet: createChangeSet(name, 'object', unflatten(reading.files), Date.now(), origins), reading };
    }
  }

  async function* follow(signal?: AbortSignal): AsyncGenerator<ChangeSet | WatchFailure, void, undefined> {
    // Ended by the caller's signal, by close(), or by the consumer leaving the loop.
    const ended = new AbortController();
    const stopped = AbortSignal.any([ended.signal, closing.signal, ...(signal ? [signal] : [])]);
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    following.add(done);
    const iterator = channel.subscribe(stopped);
    const watches = new Map<string, DirectorySubscription>();
    let timer: NodeJS.Timeout | undefined;
    let trailing: NodeJS.Timeout | undefined;
    let quiet: NodeJS.Timeout | undefined;
    let reading = Promise.resolve();
    // The failure last reported: one write is read up to three times (its event, chokidar's trailing look, the quiet
    // rule), and a fault is reported once until a reading succeeds.
    let failure: string | undefined;

    /** `held`: the newest change time of a reading held back QUIET_MS ago; unchanged since, the files are quiet. */
    const reread = (held?: number) => {
      reading = reading.then(async () => {
        if (stopped.aborted) return;
        try {
          const layer = await readLayer();
          failure = undefined;
          // Closed while reading: no timer may outlive close() (its finally has already cleared them).
          if (stopped.aborted) return;
          // A file changed less than QUIET_MS ago may be one a writer is still rewriting in place (emptied, then
          // written in several writes): it is read again QUIET_MS later, and published once nothing changed since.
          const { newest } = layer.reading;
          if (newest !== held && Date.now() - newest < QUIET_MS) {
            clearTimeout(quiet);
            quiet = setTimeout(() => reread(newest), QUIET_MS);
            return;
          }
          channel.push(layer.changeSet);
          // A directory made since the last reading is watched from now on, and read once more as its watch may
          // have missed files written into it meanwhile.
          if (await watchOnly(layer.reading.directories)) schedule();
        } catch (error) {
          const seen = failureKey(error);
          if (seen === failure || stopped.aborted) return;
          failure = seen;
          channel.fail(error);
        }
      });
    };
    const schedule = () => {
      if (stopped.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(() => reread(), debounce);
      // chokidar drops a second event for one entry within 50 ms and sends no trailing one: look once more after.
      clearTimeout(trailing);
      trailing = setTimeout(() => reread(), debounce + CHOKIDAR_THROTTLE + 10);
    };
    const listener: DirectoryListener = {
      // Any entry, hidden ones included: a Kubernetes volume announces a new version by swapping `..data`.
      onEntry: schedule,
      onReplaced: schedule,
      onError: (error) => channel.fail(new ConfigError('directory watcher failed', { code: 'WATCH', source: name, path: root, cause: error })),
    };
    /** Watches the top and exactly these directories below it; true when a watch was added. */
    const watchOnly = async (directories: readonly string[]): Promise<boolean> => {
      const wanted = new Set(['', ...directories]);
      const gone = [...watches].filter(([directory]) => !wanted.has(directory));
      for (const [directory] of gone) watches.delete(directory);
      await Promise.all(gone.map(([, subscription]) => subscription.close()));
      const added = [...wanted].filter((directory) => !watches.has(directory) && !stopped.aborted);
      for (const directory of added) {
        const subscription = await watchDirectory(join(root, directory), listener);
        watches.set(directory, subscription);
        await subscription.ready;
      }
      if (stopped.aborted) await closeWatches();
      return added.length > 0;
    };
    const closeWatches = async () => {
      const open = [...watches.values()];
      watches.clear();
      await Promise.all(open.map((subscription) => subscription.close()));
    };

    try {
      // A directory that does not exist yet (a volume not mounted yet) is waited for quietly.
      if (!(await untilDirectory(root, stopped))) return;
      // Set up, then read once more: the directory may have changed between the first reading and the watches.
      reread();
      // A watcher that failed ends the watch once reported, so that it is created again (after a backoff); a reading
      // that failed is reported and the watch goes on.
      yield* failuresYielded(iterator, (error) => error instanceof ConfigError && error.code === 'WATCH');
    } finally {
      ended.abort();
      clearTimeout(timer);
      clearTimeout(trailing);
      clearTimeout(quiet);
      await reading;
      await closeWatches();
      following.delete(done);
      finished();
    }
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read: async () => (await readLayer()).changeSet,
    watch: (signal) => failuresThrown(follow(signal)),
    async close() {
      closing.abort();
      channel.end();
      await Promise.all(following);
    },
  }, options);
}
