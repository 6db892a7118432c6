import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';

/** What a subscriber of a directory hears. */
export interface EntryListener {
  /**
   * An entry changed, by name: `change` when written to (its content or attributes), `rename` when added, removed
   * or renamed. Undefined when anything in the directory may have (its watcher was reopened, or the directory
   * itself was removed or moved).
   */
  onEntry(name: string | undefined, event?: 'rename' | 'change'): void;
  /** The watcher failed; it is closed, and a subscriber that subscribes again gets a new one. */
  onError(error: unknown): void;
}

interface Shared {
  watcher: FSWatcher;
  /** The identity the watched directory had when resolved; `stale` once its watch may follow another directory. */
  identity: string;
  listeners: Set<EntryListener>;
}

// One system watcher per directory in the process, shared by every subscriber there: an event is read once, and
// fewer inotify watches are used.
const shared = new Map<string, Shared>();

/**
 * Subscribes to a directory's entries with the system's own watcher (inotify on Linux): every event, at once, none
 * dropped or throttled. `identity` is the directory's as the caller just resolved it: a watcher still following
 * another directory at that path (the one it replaced) is reopened, and its other subscribers are told.
 * Throws when the directory cannot be watched (gone meanwhile: ENOENT, ENOTDIR; the watch limit reached: ENOSPC).
 */
export function subscribeDirectory(directory: string, identity: string, listener: EntryListener): () => void {
  const found = shared.get(directory);
  if (found && found.identity !== identity) {
    close(directory, found);
    // Told on the next microtask, not from inside this call: a subscriber may be in the middle of subscribing.
    const others = [...found.listeners];
    queueMicrotask(() => {
      for (const each of others) each.onEntry(undefined);
    });
    open(directory, identity, found.listeners);
  }
  (shared.get(directory) ?? open(directory, identity, new Set())).listeners.add(listener);
  return () => {
    // Looked up now: the watcher may have been reopened (for everyone) since this subscription was made.
    const entry = shared.get(directory);
    if (entry?.listeners.delete(listener) && entry.listeners.size === 0) close(directory, entry);
  };
}

function open(directory: string, identity: string, listeners: Set<EntryListener>): Shared {
  const self = basename(directory);
  const entry: Shared = { watcher: undefined as unknown as FSWatcher, identity, listeners };
  entry.watcher = watch(directory, { persistent: true }, (event, name) => {
    // An event about the watched directory itself (removed, moved away) comes under the directory's own name, as an
    // entry of that name would: either way, the watch may now follow a directory that is no longer at the path.
    if (name === null || (event === 'rename' && name === self)) {
      entry.identity = 'stale';
      for (const each of [...entry.listeners]) each.onEntry(undefined);
      return;
    }
    for (const each of [...entry.listeners]) each.onEntry(name, event);
  });
  entry.watcher.on('error', (error) => {
    close(directory, entry);
    for (const each of [...entry.listeners]) each.onError(error);
  });
  shared.set(directory, entry);
  return entry;
}

function close(directory: string, entry: Shared): void {
  if (shared.get(directory) === entry) shared.delete(directory);
  entry.watcher.close();
}
