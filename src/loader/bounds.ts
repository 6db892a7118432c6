import { ConfigError } from '../errors.ts';
import type { ChangeSet } from '../sources/source.ts';
import { closedError } from './closed.ts';
import type { LoaderCore } from './core.ts';
import type { SourceEntry } from './layers.ts';

/**
 * Calls `read()` with a deadline: rejects when it takes longer than the core's read timeout, or at once when the
 * loader closes; either way the read's signal aborts, and its late outcome is ignored.
 */
export function readSource(core: LoaderCore, entry: SourceEntry): Promise<ChangeSet> {
  const { source } = entry;
  const stopped = entry.stop.signal;
  if (core.closed || stopped.aborted) return Promise.reject(closedError());
  const abort = new AbortController();
  return new Promise<ChangeSet>((resolve, reject) => {
    const stop = (error: ConfigError) => {
      finish();
      abort.abort(error);
      reject(error);
    };
    const onClose = () => stop(closedError());
    const timer = setTimeout(
      () => stop(new ConfigError(`no answer within ${core.readTimeout} ms`, { code: 'READ', source: source.name })),
      core.readTimeout,
    );
    const finish = () => {
      clearTimeout(timer);
      stopped.removeEventListener('abort', onClose);
    };
    stopped.addEventListener('abort', onClose, { once: true });
    let reading: Promise<ChangeSet>;
    try {
      reading = Promise.resolve(source.read(abort.signal, core.limits));
    } catch (error) {
      reading = Promise.reject(error as Error);
    }
    reading.then(
      (changeSet) => {
        finish();
        resolve(changeSet);
      },
      (error: unknown) => {
        finish();
        reject(error as Error);
      },
    );
  });
}

/** Resolves when the promise settles or after `ms`, whichever comes first; never rejects. */
export function settledWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

