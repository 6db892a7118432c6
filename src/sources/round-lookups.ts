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
 * has been watched since the entry was last looked at (`watchedFrom` says since which round a directory's watch
 * has been in place: -1 from before the first round, undefined when it is not watched). That is what a round after
 * the first is for: an entry seen under a watch still in place cannot have changed unseen (its change is an event,
 * handled when it comes), and an entry of a directory nobody watches can change unseen whenever it is looked at,
 * before this round or after it. So a round that follows the watch of one new directory (a `..data` link swapped
 * to a new one) looks at that directory's entries alone, not at the whole path again. `round` is the round it
 * starts at.
 */
export function roundLookups(system: PathSystem, watchedFrom: (directory: string) => number | undefined, round = 0): RoundLookups {
  const entries = new Map<string, { round: number; found: EntryKind | undefined }>();
  const links = new Map<string, { round: number; target: string | undefined }>();
  // Seen in an earlier round, and its directory not watched anew since (watched all along, or not at all).
  const seenWatched = (path: string, seen: { round: number } | undefined): boolean => {
    if (seen === undefined || seen.round === round) return false;
    const from = watchedFrom(posix.dirname(path));
    return from === undefined || from < seen.round;
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
