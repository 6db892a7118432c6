import { posix } from 'node:path';
import type { EntryKind, PathSystem } from './path-chain.ts';

/** A path system for the rounds of one resolution of a chain, and how to start the next round. */
export interface RoundLookups {
  /** Looks entries up as `system` does, from the rounds before where that is as good as looking again. */
  readonly system: PathSystem;
  /** Starts the next round. */
  nextRound(): void;
}

/**
 * Lookups for resolving a chain again after its watches moved: an entry is looked at again only if its directory
 * was not watched when the entry was last looked at (`watchedFrom` says since which round a directory's watch has
 * been in place: -1 from before the first round, undefined when it is not watched). An entry seen under a watch
 * that is still in place cannot have changed unseen: its change is an event, handled when it comes. So a round
 * that follows the watch of one new directory (a `..data` link swapped to a new one) looks at that directory's
 * entries alone, not at the whole path again. `round` is the round it starts at.
 */
export function roundLookups(system: PathSystem, watchedFrom: (directory: string) => number | undefined, round = 0): RoundLookups {
  const entries = new Map<string, { round: number; found: EntryKind | undefined }>();
  const links = new Map<string, { round: number; target: string | undefined }>();
  // Seen in an earlier round, under a watch of its directory that was already in place then and still is.
  const seenWatched = (path: string, seen: { round: number } | undefined): boolean => {
    if (seen === undefined || seen.round === round) return false;
    const from = watchedFrom(posix.dirname(path));
    return from !== undefined && from < seen.round;
  };
  return {
    system: {
      lstat(path) {
        const seen = entries.get(path);
        if (seen !== undefined && (seen.round === round || seenWatched(path, seen))) return seen.found;
        const found = system.lstat(path);
        entries.set(path, { round, found });
        return found;
      },
      readlink(path) {
        const seen = links.get(path);
        if (seen !== undefined && (seen.round === round || seenWatched(path, seen))) return seen.target;
        const target = system.readlink(path);
        links.set(path, { round, target });
        return target;
      },
    },
    nextRound() {
      round++;
    },
  };
}
