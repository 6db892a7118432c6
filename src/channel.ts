/** A push side feeding any number of async iterators, each of which keeps only the latest unread value. */
export interface Channel<T> {
  /** Hands a value to every open iterator; an iterator that has not read its previous value gets this one instead. */
  push(value: T): void;
  /**
   * Makes every iterator's next read reject with this error, once; the iterator goes on afterwards. An unread value
   * is not lost to it: the value and the error are read in the order they came.
   */
  fail(error: unknown): void;
  /** Ends every iterator. */
  end(): void;
  /** A new iterator; it ends on `end()`, on its own `return()`, or when the signal aborts. */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T>;
}

/** Options of a channel. */
export interface ChannelOptions {
  /**
   * While no iterator is open, keep what is pushed (the latest value, the latest failure) for the next iterator
   * to open, rather than dropping it: a change made before anyone listens is still heard.
   */
  retain?: boolean | undefined;
}

/** What an iterator has not read yet: the latest value and the latest failure, and which of them came first. */
interface Mailbox<T> {
  value: { value: T } | undefined;
  error: { error: unknown } | undefined;
  errorFirst: boolean;
}

const emptyMailbox = <T>(): Mailbox<T> => ({ value: undefined, error: undefined, errorFirst: false });

/** Whether an item holds a value (an own key: a polluted Object.prototype may hold one of either name). */
function holdsValue<T>(item: { value: T } | { error: unknown }): item is { value: T } {
  return Object.hasOwn(item, 'value');
}

function post<T>(box: Mailbox<T>, item: { value: T } | { error: unknown }): void {
  if (holdsValue(item)) {
    if (box.error) box.errorFirst = true;
    box.value = item;
  } else {
    if (box.value) box.errorFirst = false;
    box.error = item;
  }
}

/** Takes the item to read next out of a mailbox. */
function take<T>(box: Mailbox<T>): { value: T } | { error: unknown } | undefined {
  if (box.error && (box.errorFirst || !box.value)) {
    const item = box.error;
    box.error = undefined;
    return item;
  }
  const item = box.value;
  box.value = undefined;
  return item;
}

interface Subscriber<T> {
  deliver(item: { value: T } | { error: unknown }): void;
  finish(): void;
}

/**
 * Latest-value channel. Whole layers and snapshot values supersede each other, so a slow reader loses nothing it
 * needs by skipping to the newest one, and a flood cannot grow a queue. A failure supersedes only an older
 * failure: a value not yet read survives it.
 */
export function createChannel<T>(options: ChannelOptions = {}): Channel<T> {
  const subscribers = new Set<Subscriber<T>>();
  const retained = options.retain ? emptyMailbox<T>() : undefined;
  let ended = false;
  const broadcast = (item: { value: T } | { error: unknown }) => {
    if (subscribers.size === 0) {
      if (retained && !ended) post(retained, item);
      return;
    }
    for (const subscriber of subscribers) subscriber.deliver(item);
  };
  return {
    push: (value) => broadcast({ value }),
    fail: (error) => broadcast({ error }),
    end() {
      ended = true;
      for (const subscriber of [...subscribers]) subscriber.finish();
    },
    subscribe(signal) {
      const box = emptyMailbox<T>();
      let waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
      let done = ended || signal?.aborted === true;
      const finish = () => {
        if (done && !waiting) return;
        done = true;
        Object.assign(box, emptyMailbox<T>());
        subscribers.delete(subscriber);
        signal?.removeEventListener('abort', finish);
        const reader = waiting;
        waiting = undefined;
        reader?.resolve({ done: true, value: undefined });
      };
      const subscriber: Subscriber<T> = {
        deliver(item) {
          if (!waiting) return post(box, item);
          const reader = waiting;
          waiting = undefined;
          if (holdsValue(item)) reader.resolve({ done: false, value: item.value });
          else reader.reject(item.error);
        },
        finish,
      };
      if (!done) {
        if (retained) {
          Object.assign(box, retained);
          Object.assign(retained, emptyMailbox<T>());
        }
        subscribers.add(subscriber);
        signal?.addEventListener('abort', finish, { once: true });
      }
      const iterator: AsyncIterableIterator<T> = {
        next() {
          const item = take(box);
          if (item) return holdsValue(item) ? Promise.resolve({ done: false, value: item.value }) : Promise.reject(item.error);
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
