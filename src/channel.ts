/** A push side feeding any number of async iterators, each of which keeps only the latest unread value. */
export interface Channel<T> {
  /** Hands a value to every open iterator; an iterator that has not read its previous value gets this one instead. */
  push(value: T): void;
  /**
   * Makes every iterator's next read reject with this error, once; the iterator goes on afterwards. A value pushed
   * before the read replaces the error, since it is newer news.
   */
  fail(error: unknown): void;
  /** Ends every iterator. */
  end(): void;
  /** A new iterator; it ends on `end()`, on its own `return()`, or when the signal aborts. */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T>;
}

type Item<T> = { value: T; error?: undefined } | { error: unknown };

interface Subscriber<T> {
  deliver(item: Item<T>): void;
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
      for (const subscriber of subscribers) subscriber.deliver({ value });
    },
    fail(error) {
      for (const subscriber of subscribers) subscriber.deliver({ error });
    },
    end() {
      ended = true;
      for (const subscriber of [...subscribers]) subscriber.finish();
    },
    subscribe(signal) {
      let pending: Item<T> | undefined;
      let waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
      let done = ended || signal?.aborted === true;
      const finish = () => {
        if (done && !waiting) return;
        done = true;
        pending = undefined;
        subscribers.delete(subscriber);
        signal?.removeEventListener('abort', finish);
        const reader = waiting;
        waiting = undefined;
        reader?.resolve({ done: true, value: undefined });
      };
      const subscriber: Subscriber<T> = {
        deliver(item) {
          if (!waiting) {
            pending = item;
            return;
          }
          const reader = waiting;
          waiting = undefined;
          if ('value' in item) reader.resolve({ done: false, value: item.value });
          else reader.reject(item.error);
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
            const item = pending;
            pending = undefined;
            return 'value' in item ? Promise.resolve({ done: false, value: item.value }) : Promise.reject(item.error);
          }
          if (done) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve, reject) => {
            waiting = { resolve, reject };
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
