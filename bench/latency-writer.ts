// A writer in its own process, as a deploy script or a config agent is: it writes a row of contents at a fixed gap,
// in one pattern, and reports when each became visible (process.hrtime: the system's monotonic clock, which the
// reading process shares).
import { PATTERNS, render } from './write-patterns.ts';

/** One row to write. */
export interface WriterRow {
  dir: string;
  pattern: string;
  template: string;
  values: number[];
  /** Milliseconds between the end of a write and the start of the next. */
  gap: number;
}

/** What the writer answers: when each value became visible (hrtime in ns, as decimal strings). */
export interface WriterReport {
  written: string[];
  /** When the call that made each value visible returned: the write's own time is the difference. */
  returned: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.on('message', (row: WriterRow) => {
  void (async () => {
    const pattern = PATTERNS[row.pattern];
    if (!pattern) throw new Error(`no pattern ${row.pattern}`);
    const written: string[] = [];
    const returned: string[] = [];
    const now = () => String(process.hrtime.bigint());
    for (const [i, value] of row.values.entries()) {
      if (i > 0) await sleep(row.gap);
      pattern.write(row.dir, render(row.template, value), i + 1, () => written.push(now()), () => returned.push(now()));
    }
    process.send?.({ written, returned } satisfies WriterReport);
  })();
});
