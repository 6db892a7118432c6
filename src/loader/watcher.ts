import { createChannel } from '../channel.ts';
import { formatPath } from '../reader/path.ts';
import type { Tree } from '../reader/tree.ts';
import { valueOf, type Value } from '../reader/value.ts';
import { callListener } from './listeners.ts';
import type { PathChange, WatchEntry } from './watch-index.ts';

/**
 * A change of the value at one path, with plain (frozen) values: the merged data as the sources gave it. `T` is
 * that data's type where a watcher's path is known: what the config's schema accepts there (its input type).
 */
export interface Change<T = Tree> {
  /** The path, dotted. */
  readonly path: string;
  /** The path's segments (exact even when a key holds a dot). */
  readonly segments: readonly string[];
  /** The value before; undefined when it did not exist. */
  readonly previous: T | undefined;
  /** The value now; undefined when it no longer exists. */
  readonly current: T | undefined;
  /** The version of the snapshot that made the change. */
  readonly version: number;
}

/** A listener of a watcher: `T` types the value (its `value()`), `I` the change's plain values. */
export type ChangeListener<T = unknown, I = Tree> = (value: Value<T>, change: Change<I>) => void;

/** Follows the value at one path; iterate it, or listen to `change`. No initial emission. */
export interface Watcher<T = unknown, I = Tree> extends AsyncIterable<Value<T>> {
  /** The watched path, dotted. */
  readonly path: string;
  /** True once stopped. */
  readonly stopped: boolean;
  /** Calls the listener each time the value at the path really changes. */
  on(event: 'change', listener: ChangeListener<T, I>): this;
  /** Removes a listener. */
  off(event: 'change', listener: ChangeListener<T, I>): this;
  /** Stops the watcher: listeners are dropped and every iteration ends. */
  stop(): void;
}

/** The loader's side of a watcher. */
export interface WatcherHandle extends WatchEntry {
  /** Delivers a change to the watcher's listeners and iterators. */
  deliver(change: PathChange, version: number): void;
  /** Ends the watcher (the config is closing). */
  end(): void;
}

/** Hooks a watcher needs from its config. */
export interface WatcherHooks {
  /** Registers the handle and returns how to unregister it. */
  register(handle: WatcherHandle): () => void;
  /** Reports a listener that threw or rejected, so one bad listener cannot stop the others or the loader. */
  onListenerError(error: unknown, path: string): void;
  /** Dresses a change before listeners see it (secrets hidden from its printed forms). */
  present?: ((change: Change) => Change) | undefined;
  /** The Value handed out for the new node (one whose `value()` reads the schema's output); `valueOf` otherwise. */
  toValue?: ((current: Tree | undefined) => Value) | undefined;
}

/** Creates a watcher on a path. */
export function createWatcher(segments: readonly string[], hooks: WatcherHooks, signal?: AbortSignal): Watcher {
  const path = formatPath(segments);
  const listeners = new Set<ChangeListener>();
  const values = createChannel<Value>();
  let stopped = false;
  let unregister: (() => void) | undefined;

  const stop = () => {
    if (stopped) return;
    stopped = true;
    unregister?.();
    listeners.clear();
    values.end();
    signal?.removeEventListener('abort', stop);
  };

  const handle: WatcherHandle = {
    segments,
    deliver(change, version) {
      const value = hooks.toValue ? hooks.toValue(change.current) : valueOf(change.current, segments);
      const plain: Change = { path, segments, previous: change.previous, current: change.current, version };
      const event = hooks.present ? hooks.present(plain) : plain;
      values.push(value);
      for (const listener of [...listeners]) {
        callListener(
          () => listener(value, event),
          (error) => hooks.onListenerError(error, path),
        );
      }
    },
    end: stop,
  };

  const watcher: Watcher = {
    path,
    get stopped() {
      return stopped;
    },
    on(_event, listener) {
      if (!stopped) listeners.add(listener);
      return watcher;
    },
    off(_event, listener) {
      listeners.delete(listener);
      return watcher;
    },
    stop,
    [Symbol.asyncIterator]: () => values.subscribe(),
  };

  if (signal?.aborted) {
    stop();
  } else {
    unregister = hooks.register(handle);
    signal?.addEventListener('abort', stop, { once: true });
  }
  return watcher;
}
