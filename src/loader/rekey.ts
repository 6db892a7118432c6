import { toConfigError } from '../errors.ts';
import type { Decrypter } from '../secrets/envelope.ts';
import { sleep } from '../sleep.ts';
import { settledWithin } from './bounds.ts';
import { CLOSE_TIMEOUT } from './closing.ts';
import { unlessAborted } from './follow.ts';
import type { Loader } from './loader.ts';

/** How long a decrypter's watch that ended (its file watcher failed) waits to be started again (ms). */
export const KEYS_RETRY_DELAY = 1000;

/**
 * Follows a decrypter's keys (a key file rewritten): each change decrypts every source's values again, without a
 * restart. A key file that cannot be used is reported, and the keys in force stay; a watch that ends before the
 * signal aborts is started again. Ends when the signal aborts, even if the watch ignores it.
 */
export async function followKeys(decrypter: Decrypter, loader: Pick<Loader, 'decryptAgain' | 'report'>, signal: AbortSignal): Promise<void> {
  const watch = decrypter.watch;
  if (!watch) return;
  while (!signal.aborted) {
    let iterator: AsyncIterator<void>;
    try {
      iterator = watch.call(decrypter, signal)[Symbol.asyncIterator]();
    } catch (error) {
      loader.report(toConfigError(error, 'WATCH'));
      await sleep(KEYS_RETRY_DELAY, signal);
      continue;
    }
    let failing = false;
    for (;;) {
      const asked = Promise.resolve()
        .then(() => iterator.next())
        .then(
          (result) => ({ failed: false as const, result }),
          (error: unknown) => ({ failed: true as const, error }),
        );
      const outcome = await unlessAborted(asked, signal);
      if (!outcome) break;
      if (outcome.failed) {
        loader.report(toConfigError(outcome.error, 'WATCH'));
        // A watch that fails again at once is not asked again in a tight loop.
        if (failing) await sleep(KEYS_RETRY_DELAY, signal);
        failing = true;
        continue;
      }
      failing = false;
      if (outcome.result.done) break;
      await loader.decryptAgain();
    }
    const stopping = Promise.resolve()
      .then(() => iterator.return?.())
      .catch(() => {});
    await settledWithin(stopping, CLOSE_TIMEOUT);
    await sleep(KEYS_RETRY_DELAY, signal);
  }
}
