import { linkSignals } from '../linked-signal.ts';
import { sleep } from '../sleep.ts';

/**
 * Waits `ms` between two reads of a file that changed while it was read, less if the signal aborts, and no longer
 * than the file's next change (a writer that finished is read at once).
 */
export type ReadWait = (ms: number, signal: AbortSignal) => Promise<void>;

/** The waits of a file's read under way, each ended by the file's next change. */
export interface ReadWaits {
  /** How the read under way waits between its reads. */
  wait: ReadWait;
  /** The file changed: every wait ends now; a read under way and not waiting does not wait its next one. */
  wake(reading: boolean): void;
  /** A read begins: changes told before it are in what it reads. */
  begin(): void;
}

/** The waits of one file's reads: a change always ends them, whether it comes during a wait or between two. */
export function createReadWaits(): ReadWaits {
  const waits = new Set<AbortController>();
  // A change that came while the read under way was reading, not waiting (a file over 1 MiB is read
  // asynchronously): its next wait would otherwise wait for a change already made.
  let changedWhileReading = false;
  return {
    async wait(ms, signal) {
      if (signal.aborted) return;
      if (changedWhileReading) {
        changedWhileReading = false;
        return;
      }
      // Linked, not AbortSignal.any: a source makes such waits for its whole life (test/reliability/read-waits.test.ts).
      const waking = new AbortController();
      const linked = linkSignals([signal, waking.signal]);
      waits.add(waking);
      try {
        await sleep(ms, linked.signal);
      } finally {
        waits.delete(waking);
        linked.unlink();
      }
    },
    wake(reading) {
      if (reading && waits.size === 0) changedWhileReading = true;
      for (const waking of waits) waking.abort();
      waits.clear();
    },
    begin() {
      changedWhileReading = false;
    },
  };
}
