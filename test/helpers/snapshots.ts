import { expect } from 'vitest';
import type { Config } from '../../src/index.ts';

/** Records every published value of a numeric key, to check that a config never goes back or repeats itself. */
export function recordSnapshots(config: Config, path: string) {
  const versions: number[] = [];
  const values: number[] = [];
  config.on('change', (event) => {
    versions.push(event.version);
    const change = event.changes.find((c) => c.path === path);
    if (change) values.push(Number(change.current));
  });
  return {
    versions,
    values,
    /** Versions went up by one each time; values only ever went up, none twice; the last is `final`. */
    expectMonotonic(final: number) {
      for (let i = 1; i < versions.length; i++) expect(versions[i]).toBe(versions[i - 1]! + 1);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
      expect(values.at(-1)).toBe(final);
    },
  };
}
