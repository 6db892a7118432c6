import { linkSignals } from '../linked-signal.ts';
import { sleep } from '../sleep.ts';
import { isBlank, mayBeCut } from './cut-text.ts';
import type { ChangeSet } from './source.ts';

/**
 * Waits `ms` between two reads of a file that changed while it was read, less if the signal aborts, and no longer
 * than the file's next change (a writer that finished is read at once).
 */
export type ReadWait = (ms: number, signal: AbortSignal) => Promise<void>;

/** What a reloader reads with and hands its results to. */
export interface ReloadTarget {
  /** Reads the file now; `wait` is how it waits between reads of a file that changes while it is read. */
  read(wait: ReadWait): Promise<ChangeSet>;
  /** A document read whole (not blank, not possibly cut): the target hands it on if it is news. */
  offer(changeSet: ChangeSet): void;
  /** A read that failed (reported once until a read succeeds again). */
  fail(error: unknown): void;
  /**
   * A document read ahead while the debounce runs, whole (as `offer` would take it): it is offered, as this very
   * change set, when the debounce ends with no event since its read began; undefined when the one told before will
   * not be. Without it, nothing is read ahead.
   */
  ahead?(changeSet: ChangeSet | undefined): void;
  /**
   * Whether the file is still the one a change set was read from, as far as a look at it tells (its identity, size
   * and change time): a change made just before the debounce ended may not have been told yet. Without it, a change
   * set read ahead is taken as it is.
   */
  unchanged?(changeSet: ChangeSet): boolean;
  /**
   * Whether reading ahead is worth its reads now; without it, always. A file decoded on a thread gains only its read
   * by it, while a burst of events could have it read whole, and held, a few more times a window.
   */
  readsAhead?(): boolean;
  /** Milliseconds to wait after the last event before reading; 0 reads on the same turn of the event loop. */
  debounce: number;
}

/** Decides when a watched file is read again and what of it is handed on. */
export interface Reloader {
  /** The file may have changed (an event): it is read after the debounce. */
  changed(): void;
  /** Reads now, past the debounce. */
  reload(): void;
  /**
   * Reads again unless a read is already due and not yet started (it will see what changed): a change may have been
   * made after the last read began and before the watch could see it.
   */
  recheck(): void;
  /** Cancels every pending read; nothing is handed on afterwards. */
  stop(): void;
}

/**
 * How long a text whose last line has no line end is held back for (see `mayBeCut`): until the file has been quiet
 * this long (no event, a modification time this old), it may be a write still under way.
 */
export const QUIET_MS = 100;

/**
 * Reads ahead in one debounce window at most: a write in place (emptied, then written) and a `..data` swap (the
 * swap, then the watch moved) take two; a burst of writes is read once more when its window ends, as before.
 */
export const AHEAD_READS = 3;

// A read ahead does not wait for a writer to finish: a file still changing is read when the debounce ends.
const noWait: ReadWait = () => Promise.reject(new Error('a file read ahead is not waited for'));

/**
 * The reading half of a file source's watch. Events arriving together cost one read (at debounce 0, on the
 * check phase of the same loop turn: every event the system delivered in that batch has been seen); a read in
 * progress is followed by one more if events came meanwhile, so the last write always wins. Nothing is offered
 * that cannot be the file: a blank file (one being rewritten), a text document that may be cut mid-line (held
 * until the file is quiet); and the same failure is reported once until a read succeeds.
 *
 * With a debounce, the file is read ahead on the check phase after an event (`ahead`, a few times a window at
 * most): when the debounce ends with no event since that read began, what it read is offered rather than read
 * then, so its consumer may decode it while the debounce runs. Nothing is offered sooner than before: only when
 * the debounce ends, and only what was read after the last event.
 */
export function createReloader(target: ReloadTarget): Reloader {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let quiet: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;
  let settled = false;
  let stopped = false;
  let failure: string | undefined;
  // Events (and moves of the watch) seen: a read ahead that began at the count still current read after them all.
  let events = 0;
  let aheadQueued: NodeJS.Immediate | undefined;
  let aheadReads = 0;
  let readingAhead = false;
  let readAhead: { changeSet: ChangeSet; events: number } | undefined;
  // The waits of the read under way, each ended by the next change.
  const waits = new Set<AbortController>();
  // A change that came while the read under way was reading, not waiting (a file over 1 MiB is read
  // asynchronously): its next wait would otherwise wait for a change already made.
  let changedWhileReading = false;
  const wait: ReadWait = async (ms, signal) => {
    if (signal.aborted) return;
    if (changedWhileReading) {
      changedWhileReading = false;
      return;
    }
    // Linked, not AbortSignal.any: a source makes such waits for its whole life (test/reliability/read-waits.test.ts).
    const waking = new AbortController();
    const linked = linkSignals([signal, waking.signal]);
    waits.add(waking);
    try {
      await sleep(ms, linked.signal);
    } finally {
      waits.delete(waking);
      linked.unlink();
    }
  };
  const wake = () => {
    if (reading && waits.size === 0) changedWhileReading = true;
    for (const waking of waits) waking.abort();
    waits.clear();
  };

  const run = () => {
    immediate = undefined;
    timer = undefined;
    aheadReads = 0;
    const found = readAhead;
    readAhead = undefined;
    // A read under way began before the read ahead, or after it: either way it is followed, not overtaken. A file
    // changed so recently that its event has not been told yet is read again.
    if (found !== undefined && found.events === events && !reading && (target.unchanged?.(found.changeSet) ?? true)) {
      take(found.changeSet);
      return;
    }
    if (found !== undefined) target.ahead?.(undefined);
    void reload();
  };

  /** Reads ahead on the check phase after an event, while the debounce runs. */
  function queueAhead(): void {
    if (target.ahead === undefined || target.debounce === 0 || aheadReads >= AHEAD_READS || target.readsAhead?.() === false) return;
    aheadQueued ??= setImmediate(() => void readAheadNow());
  }

  /** Drops what was read ahead: an event came after its read began. */
  function dropAhead(): void {
    if (readAhead === undefined) return;
    readAhead = undefined;
    target.ahead?.(undefined);
  }

  async function readAheadNow(): Promise<void> {
    aheadQueued = undefined;
    if (stopped || timer === undefined || readingAhead) return;
    aheadReads++;
    const began = events;
    readingAhead = true;
    let changeSet: ChangeSet;
    try {
      changeSet = await target.read(noWait);
    } catch {
      // Read again, and reported if it fails again, when the debounce ends.
      return;
    } finally {
      readingAhead = false;
    }
    if (stopped || timer === undefined || began !== events) return;
    // What the read when the debounce ends would not offer at once is left to it.
    if (isBlank(changeSet.data) || (mayBeCut(changeSet.format, changeSet.data) && Date.now() - changeSet.timestamp < QUIET_MS)) return;
    readAhead = { changeSet, events: began };
    target.ahead?.(changeSet);
  }

  /** Offers a document read whole, as a read that succeeded does. */
  function take(changeSet: ChangeSet): void {
    settled = false;
    failure = undefined;
    clearTimeout(quiet);
    quiet = undefined;
    target.offer(changeSet);
  }

  async function reload(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await readOnce();
      } while (again && !stopped);
    } finally {
      reading = false;
    }
  }

  async function readOnce(): Promise<void> {
    let changeSet: ChangeSet;
    const quietNow = settled;
    settled = false;
    changedWhileReading = false;
    try {
      changeSet = await target.read(wait);
    } catch (error) {
      const seen = describe(error);
      if (stopped || seen === failure) return;
      failure = seen;
      target.fail(error);
      return;
    }
    if (stopped) return;
    failure = undefined;
    // To clear a file's layer, write `{}` or delete it (with `optional`): an empty file is one being rewritten.
    if (isBlank(changeSet.data)) return;
    if (!quietNow && mayBeCut(changeSet.format, changeSet.data) && Date.now() - changeSet.timestamp < QUIET_MS) {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        quiet = undefined;
        settled = true;
        void reload();
      }, QUIET_MS);
      return;
    }
    clearTimeout(quiet);
    quiet = undefined;
    target.offer(changeSet);
  }

  return {
    changed() {
      if (stopped) return;
      // A read waiting for a writer to finish reads again now: this is the writer's next step.
      wake();
      events++;
      if (target.debounce === 0) immediate ??= setImmediate(run);
      else {
        dropAhead();
        clearTimeout(timer);
        timer = setTimeout(run, target.debounce);
        queueAhead();
      }
    },
    reload() {
      if (!stopped) void reload();
    },
    recheck() {
      if (stopped) return;
      if (timer === undefined && immediate === undefined) immediate = setImmediate(run);
      else if (timer !== undefined) {
        // A change made after the read ahead began and before the watch moved was not told: read ahead again.
        events++;
        dropAhead();
        queueAhead();
      }
    },
    stop() {
      stopped = true;
      wake();
      clearTimeout(timer);
      clearTimeout(quiet);
      if (immediate) clearImmediate(immediate);
      if (aheadQueued) clearImmediate(aheadQueued);
      readAhead = undefined;
    },
  };
}

function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return `${String(code)}:${String(message)}`;
}
