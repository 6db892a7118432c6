import type { FSWatcher } from 'chokidar';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** What a directory watch tells one subscriber. */
export interface DirectoryListener {
  /** An entry of the directory changed (added, changed, removed, renamed). */
  onEntry(name: string): void;
  /** The watcher failed. */
  onError(error: unknown): void;
}

/** One subscriber's handle on a shared directory watch. */
export interface DirectorySubscription {
  /** Resolves when the watch is established. */
  readonly ready: Promise<void>;
  /** Unsubscribes; the last subscriber of a directory closes its watcher. */
  close(): Promise<void>;
}

interface Shared {
  watcher: FSWatcher;
  listeners: Set<DirectoryListener>;
  ready: Promise<void>;
}

// One chokidar watcher per directory, shared by every file source watching a file there (and by every config in
// the process): each event is handled once rather than once per source, and fewer inotify watches are used.
const shared = new Map<string, Shared>();

/** Subscribes to changes of a directory's own entries (depth 0). */
export async function watchDirectory(directory: string, listener: DirectoryListener): Promise<DirectorySubscription> {
  const { watch } = await import('chokidar');
  let entry = shared.get(directory);
  if (!entry) {
    // depth 0: the directory's own entries, so a ConfigMap's timestamped directories are not descended into.
    const watcher = watch(directory, { ignoreInitial: true, depth: 0, persistent: true });
    const listeners = new Set<DirectoryListener>();
    const ready = new Promise<void>((resolve) => watcher.once('ready', resolve));
    watcher.on('all', (_event, changed) => {
      const name = basename(changed);
      for (const each of [...listeners]) each.onEntry(name);
    });
    watcher.on('error', (error) => {
      for (const each of [...listeners]) each.onError(error);
    });
    entry = { watcher, listeners, ready };
    shared.set(directory, entry);
  }
  const current = entry;
  current.listeners.add(listener);
  return {
    ready: current.ready,
    async close() {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (shared.get(directory) === current) shared.delete(directory);
      await current.watcher.close();
    },
  };
}

/**
 * Resolves true once `directory` exists (false when aborted first), watching its nearest existing ancestor for
 * each missing level being created, so `mkdir -p` followed by a write is seen at once, without polling.
 */
export async function untilDirectory(directory: string, signal: AbortSignal): Promise<boolean> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  for (;;) {
    if (signal.aborted) return false;
    if (await isDirectory(directory)) return true;
    let ancestor = dirname(directory);
    while (dirname(ancestor) !== ancestor && !(await isDirectory(ancestor))) ancestor = dirname(ancestor);
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    // Any news of the ancestor ends this round; the next one looks again from wherever the tree now is.
    const subscription = await watchDirectory(ancestor, { onEntry: () => wake(), onError: () => wake() });
    await Promise.race([subscription.ready, aborted]);
    // One more look once ready: a level created while the watch was being set up has sent no event.
    if (!signal.aborted && !(await isDirectory(childOf(ancestor, directory)))) await Promise.race([changed, aborted]);
    await subscription.close();
  }
}

/** The entry of `ancestor` on the way down to `directory`. */
function childOf(ancestor: string, directory: string): string {
  let child = directory;
  while (dirname(child) !== ancestor && dirname(child) !== child) child = dirname(child);
  return child;
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
}
