import type { ChangeEvent, Config, ConfigError } from '../../src/index.ts';

/**
 * How long a test waits for what must happen (ms): a net against a hang, never a verdict on speed. A loaded two-core
 * machine starts a child process, reloads or reconnects many times slower than an idle one.
 */
export const PATIENCE = 60_000;

/** Resolves with the config's next change event, or rejects after `ms`. */
export function nextChange(config: Config, ms = PATIENCE): Promise<ChangeEvent> {
  return nextEvent(config, 'change', ms);
}

/** Resolves with the config's next error event, or rejects after `ms`. */
export function nextError(config: Config, ms = PATIENCE): Promise<ConfigError> {
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
export async function eventually(check: () => void | Promise<void>, ms = PATIENCE): Promise<void> {
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
