import { describe, expect, it } from 'vitest';
import { parseBool, parseDuration, parseFloat64, parseInt64 } from '../../src/reader/convert.ts';

describe('parseBool (Go strconv.ParseBool)', () => {
  it.each([
    ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
    ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
    ['yes', undefined], ['on', undefined], [' true', undefined], ['', undefined], ['tRUE', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseBool(text)).toBe(expected);
  });
});

describe('parseInt64 (Go strconv.Atoi)', () => {
  it.each([
    ['42', 42], ['+7', 7], ['-7', -7], ['007', 7], ['0', 0],
    ['9223372036854775807', 2 ** 63], ['-9223372036854775808', -(2 ** 63)],
    ['9223372036854775808', undefined], [' 42', undefined], ['42 ', undefined], ['4.5', undefined],
    ['0x10', undefined], ['1_000', undefined], ['', undefined], ['+', undefined], ['1e3', undefined],
    ['-', undefined], ['+-1', undefined], [`${'0'.repeat(40)}7`, 7], [`-${'0'.repeat(40)}9223372036854775808`, -(2 ** 63)],
    ['10000000000000000000', undefined], [`${'0'.repeat(1024)}7`, undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseInt64(text)).toBe(expected);
  });
});

describe('parseFloat64 (Go strconv.ParseFloat)', () => {
  it.each([
    ['4.5', 4.5], ['+7', 7], ['-7', -7], ['1e3', 1000], ['.5', 0.5], ['1.', 1], ['1E-2', 0.01],
    ['Inf', Infinity], ['+inf', Infinity], ['-Infinity', -Infinity], ['0x1p-2', 0.25], ['0x1.8p1', 3],
    [' 1', undefined], ['1 ', undefined], ['', undefined], ['abc', undefined], ['1e400', undefined], ['1_0', undefined],
    [`0.${'0'.repeat(1000)}1`, 0], ['9'.repeat(1025), undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseFloat64(text)).toBe(expected);
  });

  it('reads NaN', () => {
    expect(parseFloat64('NaN')).toBeNaN();
    expect(parseFloat64('nan')).toBeNaN();
  });
});

describe('parseDuration (Go time.ParseDuration, in milliseconds)', () => {
  it.each([
    ['1h30m', 5_400_000], ['250ms', 250], ['-1.5h', -5_400_000], ['0', 0], ['+5s', 5000], ['1m', 60_000],
    ['1us', 0.001], ['1µs', 0.001], ['1μs', 0.001], ['1000ns', 0.001], ['.5s', 500], ['1h0m0.5s', 3_600_500],
    ['5', undefined], ['', undefined], ['1d', undefined], ['s', undefined], ['1 s', undefined], ['-', undefined],
    ['.s', undefined], ['3000000h', undefined], ['1s'.repeat(512), 512_000], ['1s'.repeat(513), undefined],
  ])('%j → %j', (text, expected) => {
    const parsed = parseDuration(text);
    if (expected === undefined) expect(parsed).toBeUndefined();
    else expect(parsed).toBeCloseTo(expected, 9);
  });
});
