/** A push side feeding any number of async iterators, each of which keeps only the latest unread value. */
export interface Channel<T> {
  /** Hands a value to every open iterator; an iterator that has not read its previous value gets this one instead. */
  push(value: T): void;
  /** Ends every iterator. */
  end(): void;
  /** A new iterator; it ends on `end()`, on its own `return()`, or when the signal aborts. */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T>;
}

interface Subscriber<T> {
  deliver(value: T): void;
  finish(): void;
}

/**
 * Latest-value channel. Whole layers and snapshot values supersede each other, so a slow reader loses nothing it
 * needs by skipping to the newest one, and a flood cannot grow a queue.
 */
export function createChannel<T>(): Channel<T> {
  const subscribers = new Set<Subscriber<T>>();
  let ended = false;
  return {
    push(value) {
      for (const subscriber of subscribers) subscriber.deliver(value);
    },
    end() {
      ended = true;
      for (const subscriber of [...subscribers]) subscriber.finish();
    },
    subscribe(signal) {
      let pending: { value: T } | undefined;
      let waiting: ((result: IteratorResult<T>) => void) | undefined;
      let done = ended || signal?.aborted === true;
      const finish = () => {
        if (done && !waiting) return;
        done = true;
        pending = undefined;
        subscribers.delete(subscriber);
        signal?.removeEventListener('abort', finish);
        const resolve = waiting;
        waiting = undefined;
        resolve?.({ done: true, value: undefined });
      };
      const subscriber: Subscriber<T> = {
        deliver(value) {
          if (waiting) {
            const resolve = waiting;
            waiting = undefined;
            resolve({ done: false, value });
          } else {
            pending = { value };
          }
        },
        finish,
      };
      if (!done) {
        subscribers.add(subscriber);
        signal?.addEventListener('abort', finish, { once: true });
      }
      const iterator: AsyncIterableIterator<T> = {
        next() {
          if (pending) {
            const { value } = pending;
            pending = undefined;
            return Promise.resolve({ done: false, value });
          }
          if (done) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) => {
            waiting = resolve;
          });
        },
        return() {
          finish();
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  };
}
