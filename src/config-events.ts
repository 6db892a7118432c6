import type { ConfigError } from './errors.ts';
import { toConfigError } from './errors.ts';
import { createEmitter } from './events.ts';
import { callListener } from './loader/listeners.ts';
import type { ChangeEvent, Loader } from './loader/loader.ts';

/** A config's events, as its listeners hear them. */
export interface ConfigEvents {
  /** One event per published snapshot, with every changed path. */
  change: (event: ChangeEvent) => void;
  /** A source failed to read, parse or validate (nothing was published for it), or a listener threw. */
  error: (error: ConfigError) => void;
}

/** The `on`, `off` and `once` of a config, and what its `close()` clears. */
export interface ConfigListeners {
  /** Adds a listener. */
  on<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): void;
  /** Removes a listener, also where it was given to `once`. */
  off<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): void;
  /** Adds a listener that hears the next event only. */
  once<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): void;
  /** Removes every listener. */
  clear(): void;
}

/**
 * A config's listeners over its loader's events. Each listener is called on its own: one that throws is reported
 * on `error` (or, on `error` itself, dropped) and the next still hears.
 */
export function createConfigListeners(loader: Pick<Loader, 'events' | 'report'>): ConfigListeners {
  const facade = createEmitter<ConfigEvents>();
  // The emitter's own once() would wrap a listener in one that removes itself first, out of the forwarders' sight:
  // the wrappers are kept here, by the listener they were made for, so that off() finds them.
  const onceWrappers: { [E in keyof ConfigEvents]: WeakMap<ConfigEvents[E], Set<ConfigEvents[E]>> } = {
    change: new WeakMap(),
    error: new WeakMap(),
  };
  const forward = (event: ChangeEvent) => {
    for (const listener of facade.listeners('change')) {
      callListener(
        () => listener(event),
        (error) => loader.report(toConfigError(error, 'LISTENER')),
      );
    }
  };
  // The loader hears of changes only while someone here listens: it lists every changed path for a listener, which
  // a reload that changes every value of a large layer pays for each value.
  let forwarding = false;
  const forwardWhileHeard = () => {
    const heard = facade.listenerCount('change') > 0;
    if (heard === forwarding) return;
    forwarding = heard;
    if (heard) loader.events.on('change', forward);
    else loader.events.off('change', forward);
  };
  loader.events.on('error', (error) => {
    // An error listener that fails has nowhere left to report to.
    for (const listener of facade.listeners('error')) callListener(() => listener(error), () => {});
  });

  const listeners: ConfigListeners = {
    on(event, listener) {
      facade.on(event, listener as never);
      forwardWhileHeard();
    },
    off(event, listener) {
      facade.off(event, listener as never);
      const wrappers = onceWrappers[event].get(listener as never);
      for (const wrapper of wrappers ?? []) facade.off(event, wrapper as never);
      onceWrappers[event].delete(listener as never);
      forwardWhileHeard();
    },
    once(event, listener) {
      const wrapper = ((...args: Parameters<typeof listener>) => {
        facade.off(event, wrapper as never);
        onceWrappers[event].get(listener as never)?.delete(wrapper as never);
        forwardWhileHeard();
        (listener as (...given: typeof args) => void)(...args);
      }) as typeof listener;
      const wrappers = onceWrappers[event].get(listener as never) ?? new Set();
      wrappers.add(wrapper as never);
      onceWrappers[event].set(listener as never, wrappers);
      facade.on(event, wrapper as never);
      forwardWhileHeard();
    },
    clear() {
      facade.removeAllListeners();
    },
  };
  return listeners;
}
