// An async generator that throws is finished: the loader would take the watch as ended by a failure, create it
// again after a backoff and read the source again to catch up, reporting a fault that persists once more each time.
// A watch written as a generator yields its failures as values instead, and `failuresThrown` throws each from its
// consumer's read, the generator going on.

const FAILURE = Symbol('watch failure');

/** A failure a watch's generator yields, to be thrown by the read that takes it. */
export interface WatchFailure {
  readonly [FAILURE]: unknown;
}

function isFailure(value: unknown): value is WatchFailure {
  return typeof value === 'object' && value !== null && FAILURE in value;
}

/**
 * Reads an iterator to its end, yielding each failure of a read as a value rather than throwing it, and returns it
 * when done; a failure `ends` says ends the reading once yielded (a watcher that broke: the watch is created again).
 */
export async function* failuresYielded<T>(iterator: AsyncIterator<T>, ends?: (error: unknown) => boolean): AsyncGenerator<T | WatchFailure, void, undefined> {
  try {
    for (;;) {
      let result: IteratorResult<T>;
      try {
        result = await iterator.next();
      } catch (error) {
        yield { [FAILURE]: error };
        if (ends?.(error)) return;
        continue;
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * The watch a generator makes: each failure it yields rejects one read, and the next read goes on from there (the
 * contract of `Source.watch`: a watch may reject a read to report a failure and go on). Ending it ends the generator.
 */
export function failuresThrown<T>(generator: AsyncGenerator<T | WatchFailure, void, undefined>): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const result = await generator.next();
      if (result.done) return { done: true, value: undefined };
      if (isFailure(result.value)) throw result.value[FAILURE];
      return { done: false, value: result.value };
    },
    async return() {
      await generator.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** What tells one failure from another (its code and message): the same failure is reported once until a read succeeds. */
export function failureKey(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return `${String(code)}:${String(message)}`;
}
