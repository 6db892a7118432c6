import { describe, expect, it } from 'vitest';
import { findTomlOverflow } from '../../src/encoders/toml-overflow.ts';

describe('findTomlOverflow', () => {
  it.each([
    ['a = 1e999', 4],
    ['a = -1_0e9_99', 4],
    ['a = inf\nb = [1, 2, 1e999]', 19],
    ['a = [\n  1, # 1e999\n  1e999,\n]', 21],
    ['a = { b = 1, c = 1e999 }', 17],
    ['a = [{ b = 1 }, 1e999]', 16],
    ['a = [[1], [2e999]]', 11],
    ['[t]\nx.y = +1e999', 10],
  ])('%j: a value beyond a double at %i', (text, offset) => {
    expect(findTomlOverflow(text)).toBe(offset);
  });

  it.each([
    ['1e999 = 1\nb = inf'],
    ['[1e999]\nb = -inf'],
    ['[[a.1e999]]\nb = nan'],
    ['a = "1e999"'],
    ["a = '1e999'"],
    ['a = """\n1e999\n"""'],
    ["a = '''1e999'''"],
    ['a = """x\\""" 1e999"""'],
    ['a = """x""""\nb = inf'],
    ['# 1e999\na = inf'],
    ['a = { 1e999 = 1 }'],
    ['a = 1979-05-27 07:32:00'],
    ['a = 1e308'],
    ['a = "unterminated'],
  ])('%j: none', (text) => {
    expect(findTomlOverflow(text)).toBeUndefined();
  });
});
