import { toConfigError } from '../errors.ts';
import { sleep } from '../sleep.ts';
import type { ChangeSet } from '../sources/source.ts';
import type { LoaderCore } from './core.ts';
import { nextTicket, takeAhead, type SourceEntry } from './layers.ts';
import { READ_AHEAD, type ReadsAhead } from '../sources/source.ts';
import { readSource } from './bounds.ts';

/** The longest the loader waits before it re-creates a watch that ended after a failure (ms). */
export const MAX_RETRY_DELAY = 2000;

const backoff = (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RETRY_DELAY);

type Outcome = ({ result: IteratorResult<ChangeSet> } | { error: unknown }) & {
  /** Settled before the event loop turned once: a watch that fails this way every time is spinning. */
  quick: boolean;
};

/** Whether the watch failed (an own key: a polluted Object.prototype may hold an `error`). */
function failed(outcome: Outcome): outcome is { error: unknown } & { quick: boolean } {
  return Object.hasOwn(outcome, 'error');
}

/** Asks for the iterator's next outcome, as a value: a watch's failure is news to handle, not an exception. */
function ask(iterator: AsyncIterator<ChangeSet>): Promise<Outcome> {
  let turned = false;
  const marker = setImmediate(() => (turned = true));
  const settle = <O extends Outcome>(outcome: O): O => {
    clearImmediate(marker);
    outcome.quick = !turned;
    return outcome;
  };
  try {
    return iterator.next().then(
      (result) => settle({ result, quick: false }),
      (error: unknown) => settle({ error, quick: false }),
    );
  } catch (error) {
    return Promise.resolve(settle({ error, quick: false }));
  }
}

/**
 * Waits for one promise after another, each given up as soon as the signal aborts (undefined then), with one
 * listener on the signal for them all: `unlessAborted` adds and removes one per promise, which a watch that changes
 * thousands of times would pay on each change.
 */
function waiter(signal: AbortSignal): { next<T>(promise: Promise<T>): Promise<T | undefined>; stop(): void } {
  let wake: ((value: undefined) => void) | undefined;
  const onAbort = () => wake?.(undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    next<T>(promise: Promise<T>): Promise<T | undefined> {
      if (signal.aborted) return Promise.resolve(undefined);
      return new Promise<T | undefined>((resolve) => {
        wake = resolve;
        void promise.then(resolve);
      });
    },
    stop: () => signal.removeEventListener('abort', onAbort),
  };
}

/** The promise's value, or undefined as soon as the signal aborts (a watch that ignores the signal cannot hold us). */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/**
 * Follows a source's watch. A watch may reject a read to report a failure (a deleted file, a lost connection)
 * and go on; one that ends after a failure is created again after a backoff, and the source is read again for
 * what changed while nobody watched. One that ends cleanly has nothing more to say.
 */
export async function followSource(core: LoaderCore, entry: SourceEntry): Promise<void> {
  const watch = entry.source.watch;
  if (!watch) return;
  // Change sets told ahead of the watch are decoded while their source waits to yield them.
  const listenAhead = (entry.source as Partial<ReadsAhead>)[READ_AHEAD];
  const stopListening = typeof listenAhead === 'function' ? listenAhead.call(entry.source, (changeSet) => core.decodeAhead(entry, changeSet)) : undefined;
  try {
    await followWatch(core, entry, watch);
  } finally {
    stopListening?.();
    entry.ahead = undefined;
  }
}

async function followWatch(core: LoaderCore, entry: SourceEntry, watch: NonNullable<SourceEntry['source']['watch']>): Promise<void> {
  const state = { failures: 0 };
  for (let round = 0; !core.closed; round++) {
    let iterator: AsyncIterator<ChangeSet>;
    try {
      iterator = watch.call(entry.source, entry.stop.signal)[Symbol.asyncIterator]();
    } catch (error) {
      core.report(toConfigError(error, 'WATCH', entry.source.name));
      state.failures += 1;
      await sleep(backoff(state.failures), entry.stop.signal);
      continue;
    }
    if (round > 0) void catchUp(core, entry);
    const ended = await consume(core, entry, iterator, state);
    if (ended === 'closed' || (ended === 'done' && state.failures === 0)) return;
    await sleep(backoff(state.failures), entry.stop.signal);
  }
}

/** Reads the source and publishes what changed: after a watch was re-created, nothing said meanwhile is missed. */
async function catchUp(core: LoaderCore, entry: SourceEntry): Promise<void> {
  const ticket = nextTicket(entry);
  try {
    const candidate = await core.prepare(entry, ticket, await readSource(core, entry));
    const settled = candidate ? core.settle([candidate]) : undefined;
    const refused = settled instanceof Promise ? await settled : settled;
    if (refused) core.report(refused.withSource(entry.source.name));
  } catch (error) {
    if (!core.closed) core.report(toConfigError(error, 'READ', entry.source.name));
  }
}

/** Reads one watch until it ends (`done`) or the loader closes (`closed`). */
async function consume(
  core: LoaderCore,
  entry: SourceEntry,
  iterator: AsyncIterator<ChangeSet>,
  state: { failures: number },
): Promise<'done' | 'closed'> {
  const name = entry.source.name;
  let quickFailures = 0;
  let pending = ask(iterator);
  const waiting = waiter(entry.stop.signal);
  try {
    for (;;) {
      const outcome = await waiting.next(pending);
      if (!outcome || core.closed) {
        // Not awaited: a watch stuck in its own await would hold the close.
        void Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => {});
        return 'closed';
      }
      if (failed(outcome)) {
        core.report(toConfigError(outcome.error, 'WATCH', name));
        state.failures += 1;
        // Only a watch failing in a tight loop, again and again before anything else could happen, is made to
        // wait: one whose failures come from the world (a lost connection) is asked again at once, so a change
        // that follows them is never held back.
        quickFailures = outcome.quick ? quickFailures + 1 : 0;
        if (quickFailures > 3) await sleep(backoff(quickFailures - 3), entry.stop.signal);
        pending = ask(iterator);
        continue;
      }
      quickFailures = 0;
      if (outcome.result.done) return 'done';
      state.failures = 0;
      const ticket = nextTicket(entry);
      try {
        const candidate = await core.prepare(entry, ticket, outcome.result.value, false, takeAhead(entry, outcome.result.value));
        const settled = candidate ? core.settle([candidate]) : undefined;
        const refused = settled instanceof Promise ? await settled : settled;
        // The last good layer stays: the refused one never reaches a reader.
        if (refused) core.report(refused.withSource(name));
      } catch (error) {
        // A decode ended by the close is not news.
        if (!core.closed) core.report(toConfigError(error, 'DECODE', name));
      }
      pending = ask(iterator);
    }
  } finally {
    waiting.stop();
  }
}
