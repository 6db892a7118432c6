import type { ChangeEvent, Config, ConfigError } from '../../src/index.ts';

/** Resolves with the config's next change event, or rejects after `ms`. */
export function nextChange(config: Config, ms = 5000): Promise<ChangeEvent> {
  return nextEvent(config, 'change', ms);
}

/** Resolves with the config's next error event, or rejects after `ms`. */
export function nextError(config: Config, ms = 5000): Promise<ConfigError> {
  return nextEvent(config, 'error', ms);
}

function nextEvent<E extends 'change' | 'error'>(config: Config, event: E, ms: number): Promise<E extends 'change' ? ChangeEvent : ConfigError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      config.off(event, listener as never);
      reject(new Error(`no ${event} event within ${ms} ms`));
    }, ms);
    const listener = (payload: unknown) => {
      clearTimeout(timer);
      config.off(event, listener as never);
      resolve(payload as never);
    };
    config.on(event, listener as never);
  });
}

/** Waits until `check` passes (retrying its assertion) or `ms` elapse. */
export async function eventually(check: () => void | Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Lets pending microtasks and immediate callbacks run. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
