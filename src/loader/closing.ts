import { settledWithin } from './bounds.ts';
import type { SourceEntry } from './layers.ts';

/** How long closing waits for one source's `close()`, or for its watch to let go, before it stops waiting (ms). */
export const CLOSE_TIMEOUT = 5000;

/** Calls every source's `close()`, waiting for each at most CLOSE_TIMEOUT: one that hangs cannot hold the others. */
export async function closeSources(entries: readonly SourceEntry[]): Promise<void> {
  await Promise.all(
    entries.map((entry) => {
      let closing: Promise<void> | undefined;
      try {
        closing = entry.source.close?.();
      } catch {
        // A close that throws has closed what it could.
      }
      return settledWithin(closing, CLOSE_TIMEOUT);
    }),
  );
}

/** Waits for every entry's watch loop to end, each at most CLOSE_TIMEOUT. */
export async function stopFollowing(entries: readonly SourceEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => settledWithin(entry.following, CLOSE_TIMEOUT)));
}
