import { lstatSync, readlinkSync } from 'node:fs';
import { resolveChain, type PathChain, type PathSystem } from './path-chain.ts';
import { roundLookups } from './round-lookups.ts';
import { subscribeDirectory } from './system-watch.ts';

/** What a path watch tells its owner. */
export interface PathListener {
  /** What the path reads may have changed: the file written, replaced, or the path now leading elsewhere. */
  onChange(): void;
  /**
   * The watches moved to where the path now leads, after the owner was told of the change that moved them: a read
   * made in between may have missed a change made before the new watches were in place.
   */
  onMoved(): void;
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
 * `resolveChain`). The owner is told of an event at once; the chain is looked at again afterwards, on the check
 * phase after the owner's own immediate (where a read at debounce 0 is queued): a read opens the path as the
 * system resolves it, whatever is watched, and resolving a `..data` swap's chain and watching its new directory
 * (a dozen system calls) would otherwise come before it. When that moves the watches, the owner is told so
 * (`onMoved`): a change made before the new watches were in place is read then.
 * Throws when a directory on the chain cannot be watched (the system's watch limit reached, no permission).
 */
export function watchPath(path: string, listener: PathListener): PathWatch {
  // Each subscription with its listener, and the update and the round of it that made it.
  const subscriptions = new Map<string, { identity: string; unsubscribe: () => void; listener: { retired: boolean }; update: number; round: number }>();
  let updates = 0;
  // Watches added since the path was first watched: a check that adds any has moved the watch.
  let moved = 0;
  let chain: PathChain = { directories: new Map(), target: undefined };
  let closed = false;
  // Watches of directories the chain left, closed once the owner has been told (see `retire`).
  const retired: (() => void)[] = [];
  let closing: NodeJS.Immediate | undefined;
  // What the events told since the chain was last looked at: anything may have moved (`resolve`), or only the
  // file itself was replaced (`target`: moved only if it is now a link or a directory).
  const due = { resolve: false, target: false };
  let checking: NodeJS.Immediate | undefined;

  const onError = (error: unknown) => {
    if (!closed) listener.onError(error);
  };
  const entryListener = (directory: string) => {
    const entry = {
      retired: false,
      onEntry(name: string | undefined, event?: 'rename' | 'change') {
        if (closed || entry.retired || (name !== undefined && !chain.directories.get(directory)?.names.has(name))) return;
        const stale = name === undefined ? subscriptions.get(directory) : undefined;
        if (stale) {
          // The directory's watcher may follow another directory now (or none): not heard from again, closed after
          // the check, and watched anew there if the chain still goes through the directory.
          retire(stale);
          subscriptions.delete(directory);
        }
        listener.onChange();
        const target = name !== undefined && `${directory === '/' ? '' : directory}/${name}` === chain.target;
        // The file itself written to: watched for in the same places whatever it holds.
        if (target && event === 'change') return;
        if (target) due.target = true;
        else due.resolve = true;
        checking ??= setImmediate(check);
      },
      onError(error: unknown) {
        if (!entry.retired) onError(error);
      },
    };
    return entry;
  };

  /**
   * Stops listening to a directory the chain left at once, and closes its watch later: on the check phase after the
   * read the owner was asked for (`onMoved`), queued first. Removing a watch can take the system a while (inotify
   * waits for its readers to let go of the watch), and nothing of what the owner reads depends on it.
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
   * Looks at the chain again after the events since the last look, once their owner was told. An event names the
   * one entry that changed, and the file itself, replaced by another file, removed or made again, is watched for
   * in the same places either way (and when made again, at the same path): only a file replaced by a link or a
   * directory, or any other entry of the chain changed, moves the chain.
   */
  function check(): void {
    checking = undefined;
    if (closed) return;
    const kind = !due.resolve && due.target && chain.target !== undefined ? system.lstat(chain.target)?.kind : 'link';
    due.resolve = due.target = false;
    if (kind !== 'link' && kind !== 'directory') return;
    const moves = moved;
    const failure = update();
    if (failure !== undefined) onError(failure);
    else if (moved !== moves) listener.onMoved();
    closeRetiredLater();
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
      moved++;
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
    if (checking) clearImmediate(checking);
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
