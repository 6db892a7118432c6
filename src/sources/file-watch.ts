import { basename, dirname } from 'node:path';
import { untilDirectory, watchDirectory, watchNames, type DirectorySubscription } from './directory-watch.ts';
import { watchPath } from './path-watch.ts';

/** What a file watch tells a file source. */
export interface FileListener {
  /** The file the path leads to may read differently now. */
  onChange(): void;
  /**
   * The watch moved to where the path now leads after `onChange` was told: a read made in between may have missed
   * a change made before it was in place (a read already due covers it).
   */
  onMoved(): void;
  /** The watch failed; it should be started again. */
  onError(error: unknown): void;
}

/** A running watch of a file's path. */
export interface FileWatch {
  /** Resolves once changes are seen (after the file's directory exists, for a watch that must wait for it). */
  readonly ready: Promise<void>;
  /** Stops watching. */
  close(): Promise<void>;
}

/** Starts watching a file's path; `signal` ends a wait for the file's directory. Throws when it cannot start. */
export type FileWatcher = (path: string, listener: FileListener, signal: AbortSignal) => FileWatch;

/**
 * The system's watcher (inotify on Linux) on every link and directory the path goes through: each write is seen
 * at once, none throttled, and a link swapped anywhere on the way (`..data`, `current -> release`) moves the watch.
 */
export const systemFileWatcher: FileWatcher = (path, listener) => {
  const watch = watchPath(path, listener);
  return { ready: Promise.resolve(), close: async () => watch.close() };
};

// chokidar drops a second `change` of one file within 50 ms (its throttle has no trailing call).
const CHOKIDAR_THROTTLE = 50;

/**
 * chokidar on the file's directory (links followed), the system's watcher on the names around it: what serves on
 * platforms where the system's watcher of a directory reports less than inotify does (macOS, Windows). A change is
 * reported again after chokidar's throttle, so a write finished right after the one that woke it is not lost.
 */
export const chokidarFileWatcher: FileWatcher = (path, listener, signal) => {
  const directory = dirname(path);
  const target = basename(path);
  const stopping = new AbortController();
  const stopped = AbortSignal.any([signal, stopping.signal]);
  const subscriptions: DirectorySubscription[] = [];
  let trailing: NodeJS.Timeout | undefined;
  const changed = () => {
    listener.onChange();
    clearTimeout(trailing);
    trailing = setTimeout(() => listener.onChange(), CHOKIDAR_THROTTLE + 10);
  };
  const ready = (async () => {
    // A directory that does not exist yet (an optional file in a `conf.d` made later) is waited for quietly.
    if (!(await untilDirectory(directory, stopped))) return;
    const files = await watchDirectory(directory, {
      // `..data` is the symlink a Kubernetes ConfigMap volume swaps; the file's own name covers everything else.
      onEntry: (entry) => void ((entry === target || entry === '..data') && changed()),
      // A symlinked directory on the path was swapped (a `current -> release` deploy): the file may be another.
      onReplaced: changed,
      onError: (error) => listener.onError(error),
    });
    // A `..data` link renamed over another, the old directory left in place, is not reported by chokidar.
    const names = await watchNames(directory, { onEntry: (entry) => void (entry === '..data' && changed()), onError: () => {} });
    subscriptions.push(files, names);
    if (stopped.aborted) return;
    await Promise.race([files.ready, new Promise((resolve) => stopped.addEventListener('abort', resolve, { once: true }))]);
  })();
  return {
    ready,
    async close() {
      stopping.abort();
      clearTimeout(trailing);
      await ready.catch(() => {});
      clearTimeout(trailing);
      await Promise.all(subscriptions.map(async (subscription) => subscription.close()));
    },
  };
};

/** The watcher for this platform: the system's own on Linux (inotify), chokidar elsewhere. */
export const platformFileWatcher: FileWatcher = process.platform === 'linux' ? systemFileWatcher : chokidarFileWatcher;
