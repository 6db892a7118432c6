import { isBlank, mayBeCut, QUIET_MS } from './cut-text.ts';
import { createReadAhead, type AheadTarget } from './read-ahead.ts';
import { createReadWaits } from './read-waits.ts';
import type { ChangeSet } from './source.ts';
import { failureKey } from './watch-failures.ts';

/** What a reloader reads with and hands its results to. */
export interface ReloadTarget extends AheadTarget {
  /** A document read whole (not blank, not possibly cut): the target hands it on if it is news. */
  offer(changeSet: ChangeSet): void;
  /** A read that failed (reported once until a read succeeds again). */
  fail(error: unknown): void;
  /**
   * Whether the file is still the one a change set was read from, as far as a look at it tells (its identity, size
   * and change time): a change made just before the debounce ended may not have been told yet. Without it, a change
   * set read ahead is taken as it is.
   */
  unchanged?(changeSet: ChangeSet): boolean;
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
  const waits = createReadWaits();
  const ahead = createReadAhead(
    target,
    () => !stopped && timer !== undefined,
    () => events,
  );

  const run = () => {
    immediate = undefined;
    timer = undefined;
    const found = ahead.take();
    // A read under way began before the read ahead, or after it: either way it is followed, not overtaken. A file
    // changed so recently that its event has not been told yet is read again.
    if (found !== undefined && found.events === events && !reading && (target.unchanged?.(found.changeSet) ?? true)) {
      take(found.changeSet);
      return;
    }
    if (found !== undefined) target.ahead?.(undefined);
    void reload();
  };

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
    waits.begin();
    try {
      changeSet = await target.read(waits.wait);
    } catch (error) {
      const seen = failureKey(error);
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
      waits.wake(reading);
      events++;
      if (target.debounce === 0) immediate ??= setImmediate(run);
      else {
        ahead.drop();
        clearTimeout(timer);
        timer = setTimeout(run, target.debounce);
        ahead.queue();
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
        ahead.drop();
        ahead.queue();
      }
    },
    stop() {
      stopped = true;
      waits.wake(reading);
      clearTimeout(timer);
      clearTimeout(quiet);
      if (immediate) clearImmediate(immediate);
      ahead.stop();
    },
  };
}
