import { toConfigError } from '../errors.ts';
import { sleep } from '../sleep.ts';
import type { ChangeSet } from '../sources/source.ts';
import type { LoaderCore } from './core.ts';
import { acknowledge, restoreLayer, saveLayer, type SourceEntry } from './layers.ts';

/**
 * Follows a source's watch. A watch may reject a read to report a failure (a deleted file, a lost connection)
 * and go on; one that ends after a failure is created again after a backoff. One that ends cleanly has nothing
 * more to say.
 */
export async function followSource(core: LoaderCore, entry: SourceEntry): Promise<void> {
  const watch = entry.source.watch;
  if (!watch) return;
  const backoff = (attempt: number) => Math.min(50 * 2 ** attempt, core.maxRetryDelay);
  let failures = 0;
  while (!core.closed) {
    try {
      const iterator = watch.call(entry.source, entry.stop.signal)[Symbol.asyncIterator]();
      for (;;) {
        let result: IteratorResult<ChangeSet>;
        try {
          result = await iterator.next();
        } catch (error) {
          if (core.closed) return;
          core.report(toConfigError(error, 'WATCH', entry.source.name));
          failures += 1;
          // A watch that keeps failing without news in between is given room to recover.
          if (failures > 3) await sleep(backoff(failures - 3), entry.stop.signal);
          continue;
        }
        if (core.closed || (result.done && failures === 0)) return;
        if (result.done) break;
        failures = 0;
        try {
          const before = saveLayer(entry);
          if (await core.take(entry, result.value)) {
            const refused = core.publish();
            if (refused) {
              // The last good layer stays: the refused one never reaches a reader.
              restoreLayer(entry, before);
              core.report(refused.withSource(entry.source.name));
            } else {
              acknowledge([entry], core.report);
            }
          }
        } catch (error) {
          core.report(toConfigError(error, 'DECODE', entry.source.name));
        }
      }
    } catch (error) {
      if (core.closed) return;
      core.report(toConfigError(error, 'WATCH', entry.source.name));
      failures += 1;
    }
    await sleep(backoff(failures), entry.stop.signal);
  }
}
