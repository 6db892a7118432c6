import { createHook } from 'node:async_hooks';

/**
 * The timers, immediates and file system requests started by anything while this waits `ms` (its own timer left
 * out): what polling would start, and what an idle watch must not.
 */
export async function startedWhileWaiting(ms: number): Promise<string[]> {
  const started: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout' || type === 'Immediate' || type.startsWith('FSREQ') || type === 'STATWATCHER') started.push(type);
    },
  }).enable();
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
  hook.disable();
  return started.slice(1);
}
