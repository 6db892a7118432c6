import type { FSWatcher } from 'chokidar';
import { basename } from 'node:path';

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
