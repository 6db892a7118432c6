import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countDotenvAssignments } from '../../src/encoders/dotenv.ts';
import { countJsonValues, jsonEncoder } from '../../src/encoders/json.ts';
import { countJson5Values } from '../../src/encoders/json5.ts';

describe('countJson5Values', () => {
  it.each([
    ['{a: 1}', 1],
    ['{a: 1, b: [1, 2, 3,], c: {d: 4}}', 5],
    ["{a: 'x: 1, y: 2', // b: 1, c: 2\n /* d: 3, e: 4 */ f: \"g:h,\\\"i:j,\"}", 2],
    ['[1, 2, 3, 4, 5]', 4],
  ])('%j: at least %i', (text, counted) => {
    expect(countJson5Values(text, 1000)).toBe(counted);
  });

  it('stops counting past the most asked for', () => {
    expect(countJson5Values(`[${'0,'.repeat(1000)}0]`, 10)).toBe(11);
  });
});

describe('countDotenvAssignments', () => {
  it.each([
    ['A=1\nB=2', 2],
    ['  export A = 1\n# B=2\nC: 3\nD:4\n\nE.F-G=5', 3],
    ['A="line one\nB=in the value"\n', 2],
    ['not an assignment\n=1\n', 0],
  ])('%j: %i', (text, counted) => {
    expect(countDotenvAssignments(text, 1000)).toBe(counted);
  });

  it('stops counting past the most asked for', () => {
    expect(countDotenvAssignments('A=1\n'.repeat(1000), 10)).toBe(11);
  });
});

describe('JSON refused past maxValues', () => {
  const decode = (text: string, maxValues: number) => jsonEncoder.decode(text, { maxBytes: 1 << 30, maxDepth: 1000, maxValues });
  const refusal = (text: string, maxValues: number) => {
    try {
      decode(text, maxValues);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  // The quick bound lets most texts through uncounted; whether or not it does, the verdict is the exact count's.
  it('refuses exactly the texts that build more values than the limit, strings full of separators or not', () => {
    const strings = fc.oneof(fc.string(), fc.constantFrom(':', ',', '[', '{', ':,[', '[[[,,,:::', '{{{,,,'));
    const values = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        strings,
        fc.integer(),
        fc.boolean(),
        fc.constant({}),
        fc.constant([]),
        fc.array(tie('value')),
        fc.dictionary(strings, tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(values, fc.constantFrom(undefined, 1), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const built = countJsonValues(text, Number.MAX_SAFE_INTEGER)!;
        expect(refusal(text, built)).toBeUndefined();
        expect(refusal(text, built - 1)).toBe('LIMIT');
      }),
      { numRuns: 2000 },
    );
  });

  it('counts the text when its separators pass the limit but its values do not', () => {
    const text = JSON.stringify({ a: ':'.repeat(5000), b: [','.repeat(5000)] });
    expect(countJsonValues(text, 1000)).toBe(4);
    expect(decode(text, 4)).toEqual({ a: ':'.repeat(5000), b: [','.repeat(5000)] });
    expect(refusal(text, 3)).toBe('LIMIT');
  });
});
