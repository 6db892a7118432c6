import { lstatSync, readlinkSync } from 'node:fs';
import { resolveChain, type PathChain, type PathSystem } from './path-chain.ts';
import { roundLookups } from './round-lookups.ts';
import { subscribeDirectory } from './system-watch.ts';

/** What a path watch tells its owner. */
export interface PathListener {
  /** What the path reads may have changed: the file written, replaced, or the path now leading elsewhere. */
  onChange(): void;
  /** A directory's watcher failed; the watch should be started again. */
  onError(error: unknown): void;
}

/** A running watch of a path. */
export interface PathWatch {
  /** Stops watching. */
  close(): void;
}

const system: PathSystem = {
  lstat(path) {
    try {
      const found = lstatSync(path, { throwIfNoEntry: false });
      if (found === undefined) return undefined;
      const kind = found.isSymbolicLink() ? 'link' : found.isDirectory() ? 'directory' : found.isFile() ? 'file' : 'other';
      return { kind, identity: `${found.dev}:${found.ino}` };
    } catch {
      // Not reachable (a file where a directory was expected, no permission): nothing there, as far as reading goes.
      return undefined;
    }
  },
  readlink(path) {
    try {
      return readlinkSync(path);
    } catch {
      return undefined;
    }
  },
};

// A path that keeps changing while its watches are being set up is looked at this many times in one turn; after
// that, the watches in place wake it again.
const ROUNDS = 8;

/**
 * Watches what a path leads to with the system's watcher, on every link and directory that decides it (see
 * `resolveChain`): each event is handled in the turn it arrives in, and the chain is resolved again and its
 * watches moved before the owner is told, so a read that follows sees the path as it now is.
 * Throws when a directory on the chain cannot be watched (the system's watch limit reached, no permission).
 */
export function watchPath(path: string, listener: PathListener): PathWatch {
  // Each subscription with its listener, and the update and the round of it that made it.
  const subscriptions = new Map<string, { identity: string; unsubscribe: () => void; listener: { retired: boolean }; update: number; round: number }>();
  let updates = 0;
  let chain: PathChain = { directories: new Map(), target: undefined };
  let closed = false;
  // Watches of directories the chain left, closed once the owner has been told (see `retire`).
  const retired: (() => void)[] = [];
  let closing: NodeJS.Immediate | undefined;

  const onError = (error: unknown) => {
    if (!closed) listener.onError(error);
  };
  const entryListener = (directory: string) => {
    const entry = {
      retired: false,
      onEntry(name: string | undefined, event?: 'rename' | 'change') {
        if (closed || entry.retired || (name !== undefined && !chain.directories.get(directory)?.names.has(name))) return;
        if (name === undefined) {
          // The directory's watcher may follow another directory now: subscribed again below, it is reopened.
          subscriptions.get(directory)?.unsubscribe();
          subscriptions.delete(directory);
        }
        const failure = name !== undefined && sameChainAfter(directory, name, event) ? undefined : update();
        if (failure !== undefined) onError(failure);
        else listener.onChange();
        closeRetiredLater();
      },
      onError(error: unknown) {
        if (!entry.retired) onError(error);
      },
    };
    return entry;
  };

  /**
   * Stops listening to a directory the chain left at once, and closes its watch later: after the owner was told, on
   * the check phase, where the read of a debounce of 0 was queued first. Removing a watch can take the system a
   * while (inotify waits for its readers to let go of the watch), and nothing of what the owner reads depends on it.
   */
  function retire(subscription: { unsubscribe: () => void; listener: { retired: boolean } }): void {
    subscription.listener.retired = true;
    retired.push(subscription.unsubscribe);
  }

  function closeRetiredLater(): void {
    if (retired.length > 0) closing ??= setImmediate(closeRetired);
  }

  function closeRetired(): void {
    closing = undefined;
    for (const unsubscribe of retired.splice(0)) unsubscribe();
  }

  /**
   * True when an event leaves the chain as it was, known without resolving it again: an event names the one entry
   * that changed, and the file itself, written to, replaced by another file, removed or made again, is watched
   * for in the same places either way (and when made again, at the same path). Only a file replaced by a link or a
   * directory moves the chain.
   */
  function sameChainAfter(directory: string, name: string, event: 'rename' | 'change' | undefined): boolean {
    const path = `${directory === '/' ? '' : directory}/${name}`;
    if (path !== chain.target) return false;
    if (event === 'change') return true;
    const kind = system.lstat(path)?.kind;
    return kind !== 'link' && kind !== 'directory';
  }

  /** Moves the watches to the chain as it is now; returns what failed, if anything did. */
  function update(): unknown {
    const current = ++updates;
    // A round after the first looks again only at the entries of the directories it has watched since.
    const watchedFrom = (directory: string) => {
      const subscription = subscriptions.get(directory);
      return subscription === undefined ? undefined : subscription.update === current ? subscription.round : -1;
    };
    let lookups = roundLookups(system, watchedFrom);
    for (let round = 0; round < ROUNDS; round++, lookups.nextRound()) {
      chain = resolveChain(path, lookups.system);
      let added: boolean;
      try {
        added = follow(chain, current, round);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // Gone between being looked at and being watched: the chain changed, look again, at everything.
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          lookups = roundLookups(system, watchedFrom, round);
          continue;
        }
        return error;
      }
      // Watches added just now were not there while the chain was resolved: once a round adds none, every entry
      // of the chain was watched before it was looked at, so any later change wakes this watch.
      if (!added) return undefined;
    }
    return undefined;
  }

  function follow(next: PathChain, update: number, round: number): boolean {
    let added = false;
    for (const [directory, { identity }] of next.directories) {
      const current = subscriptions.get(directory);
      if (current?.identity === identity) continue;
      current?.unsubscribe();
      subscriptions.delete(directory);
      const entry = entryListener(directory);
      const unsubscribe = subscribeDirectory(directory, identity, entry);
      subscriptions.set(directory, { identity, unsubscribe, listener: entry, update, round });
      added = true;
    }
    for (const [directory, current] of subscriptions) {
      if (next.directories.has(directory)) continue;
      retire(current);
      subscriptions.delete(directory);
    }
    return added;
  }

  const close = () => {
    closed = true;
    if (closing) clearImmediate(closing);
    closeRetired();
    for (const { unsubscribe } of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  };
  const failure = update();
  if (failure !== undefined) {
    close();
    throw failure;
  }
  closeRetired();
  return { close };
}
