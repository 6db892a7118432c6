import { parse } from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unquoteLines } from '../../src/encoders/dotenv-scan.ts';
import { parseDotenv } from '../../src/encoders/dotenv.ts';

// What dotenv's grammar gives a text: its regular expression parser, the reference (costly only on long texts).
const reference = (text: string) => parse(text);

// The pieces dotenv's grammar turns on: names, both separators, spaces of every kind, line ends, comments, the three
// quotes, escapes, `export`.
const piece = fc.constantFrom('A', 'b_1', '.', '-', '=', ':', ' ', '\t', '\v', '\f', '\u00a0', '\ufeff', '\n', '\r', '\r\n', '\u2028', '\u2029', '#', "'", '"', '`', '\\', '\\n', '\\r', '\\"', "\\'", 'export ', 'export', 'x y', '$', 'é');

describe('parseDotenv', () => {
  it('reads what dotenv reads', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(parseDotenv(text)).toEqual(reference(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the quotes off the lines of a value as dotenv does, in one pass', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(unquoteLines(text)).toBe(text.replace(/^(['"`])([\s\S]*)\1$/gm, '$2'));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['A=1\nB="two\nlines"\nC=\'single\' # comment\nexport D=`back`\nE: colon\n', { A: '1', B: 'two\nlines', C: 'single', D: 'back', E: 'colon' }],
    ['A="a\\nb"\nB=\'a\\nb\'\n', { A: 'a\nb', B: 'a\\nb' }],
    ['\n\n\nA:x\nB=2', { B: '2' }],
  ])('%j', (text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
    expect(reference(text)).toEqual(expected);
  });
});
