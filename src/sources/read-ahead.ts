import { isBlank, mayBeCut, QUIET_MS } from './cut-text.ts';
import type { ReadWait } from './read-waits.ts';
import type { ChangeSet } from './source.ts';

/**
 * Reads ahead in one debounce window at most: a write in place (emptied, then written) and a `..data` swap (the
 * swap, then the watch moved) take two; a burst of writes is read once more when its window ends, as before.
 */
export const AHEAD_READS = 3;

/** What a file is read ahead with, and told to. */
export interface AheadTarget {
  /** Reads the file now; `wait` is how it waits between reads of a file that changes while it is read. */
  read(wait: ReadWait): Promise<ChangeSet>;
  /**
   * A document read ahead while the debounce runs, whole (as `offer` would take it): it is offered, as this very
   * change set, when the debounce ends with no event since its read began; undefined when the one told before will
   * not be. Without it, nothing is read ahead.
   */
  ahead?(changeSet: ChangeSet | undefined): void;
  /**
   * Whether reading ahead is worth its reads now; without it, always. A file decoded on a thread gains only its read
   * by it, while a burst of events could have it read whole, and held, a few more times a window.
   */
  readsAhead?(): boolean;
  /** Milliseconds to wait after the last event before reading; 0 reads on the same turn of the event loop. */
  debounce: number;
}

/** A document read ahead, and the count of events seen when its read began. */
export interface ReadAheadResult {
  changeSet: ChangeSet;
  events: number;
}

/** A file's reads ahead within one debounce window. */
export interface ReadAhead {
  /** Reads ahead on the check phase after an event, unless the window has had its reads. */
  queue(): void;
  /** Drops what was read ahead: an event came after its read began. */
  drop(): void;
  /** The window ended: what was read ahead, if anything, handed over once; the next window reads anew. */
  take(): ReadAheadResult | undefined;
  /** Cancels a queued read; what is read from now on is dropped. */
  stop(): void;
}

// A read ahead does not wait for a writer to finish: a file still changing is read when the debounce ends.
const noWait: ReadWait = () => Promise.reject(new Error('a file read ahead is not waited for'));

/**
 * Reads ahead while a debounce runs (`window()` says whether one does), at most AHEAD_READS times a window, and
 * keeps only what was read after the last event (`events()` counts them) and would be offered as it is.
 */
export function createReadAhead(target: AheadTarget, window: () => boolean, events: () => number): ReadAhead {
  let queued: NodeJS.Immediate | undefined;
  let reads = 0;
  let reading = false;
  let stopped = false;
  let found: ReadAheadResult | undefined;

  async function readNow(): Promise<void> {
    queued = undefined;
    if (stopped || !window() || reading) return;
    reads++;
    const began = events();
    reading = true;
    let changeSet: ChangeSet;
    try {
      changeSet = await target.read(noWait);
    } catch {
      // Read again, and reported if it fails again, when the debounce ends.
      return;
    } finally {
      reading = false;
    }
    if (stopped || !window() || began !== events()) return;
    // What the read when the debounce ends would not offer at once is left to it.
    if (isBlank(changeSet.data) || (mayBeCut(changeSet.format, changeSet.data) && Date.now() - changeSet.timestamp < QUIET_MS)) return;
    found = { changeSet, events: began };
    target.ahead?.(changeSet);
  }

  return {
    queue() {
      if (stopped || target.ahead === undefined || target.debounce === 0 || reads >= AHEAD_READS || target.readsAhead?.() === false) return;
      queued ??= setImmediate(() => void readNow());
    },
    drop() {
      if (found === undefined) return;
      found = undefined;
      target.ahead?.(undefined);
    },
    take() {
      reads = 0;
      const taken = found;
      found = undefined;
      return taken;
    },
    stop() {
      stopped = true;
      if (queued) clearImmediate(queued);
      found = undefined;
    },
  };
}
