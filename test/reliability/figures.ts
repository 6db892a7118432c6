// Figures of the reliability suite, printed as one line each so a run can be copied into RELIABILITY.md.
export interface Figure {
  trials: number;
  failures: number;
  ms: number;
  note?: string;
}

/** Prints a figure line: `[reliability] name: N trials, F failures, T s (note)`. */
export function figure(name: string, { trials, failures, ms, note }: Figure): void {
  console.log(`[reliability] ${name}: ${trials} trials, ${failures} failures, ${(ms / 1000).toFixed(1)} s${note ? ` (${note})` : ''}`);
}
