import { describe, expect, it } from 'vitest';
import { countTomlValues } from '../../src/encoders/toml-values.ts';
import { decodeText, type DecodeReport } from '../../src/loader/decode-text.ts';

/** How many values the layer decoded from a text holds (its root object included). */
async function valuesBuilt(text: string): Promise<number> {
  const report: DecodeReport = { values: 0 };
  await decodeText('toml', text, { maxBytes: 1 << 20, maxDepth: 64 }, undefined, report);
  return report.values;
}

describe('countTomlValues', () => {
  it.each([
    ['a = 1', 1, 0],
    ['a = 1\nb = "x = 1, y = 2" # c = 3, d = 4\nc = \'e = [5]\'', 3, 0],
    ['a = [1, 2, [3, 4], { b = 5, c = [6] }]', 10, 0],
    ['a = [\n  1, # 2, 3\n  "4,5",\n]', 3, 0],
    ['a = """\nb = 1, c = [2]\n"""\nd = \'\'\'e = 3\'\'\'', 2, 0],
    ['a = "\\" b = 1"\nc = """x\\""" d = 1"""', 2, 0],
    ['d = 1979-05-27 07:32:00Z\ne = [1979-05-27 07:32:00, 1979-05-28]', 4, 0],
    ['[[a]]\nb = 1\n[[a]]\nb = 2', 4, 1],
    // Tables made by headers and dotted keys are not counted: a `[t]` may name a table that already exists.
    ['[t]\na.b.c = 1\n[t.u]\nd = 2', 2, 4],
  ])('%j: %i values counted, as many as the parse builds less %i tables (and the root)', async (text, counted, tables) => {
    expect(countTomlValues(text, 1000)).toBe(counted);
    expect(await valuesBuilt(text)).toBe(counted + tables + 1);
  });

  it('stops counting past the most asked for', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `k${i} = [${i}, ${i}]`).join('\n');
    expect(countTomlValues(text, 100_000)).toBe(3000);
    expect(countTomlValues(text, 10)).toBe(11);
  });
});
