import { describe, expect, it } from 'vitest';
import { countDotenvAssignments } from '../../src/encoders/dotenv.ts';
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
