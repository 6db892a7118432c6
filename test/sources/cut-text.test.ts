import { describe, expect, it } from 'vitest';
import { isBlank, mayBeCut } from '../../src/sources/cut-text.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('mayBeCut', () => {
  it.each([
    ['yaml', 'port: 80', true],
    ['yaml', 'port: 8080\n', false],
    ['yaml', 'a: 1\r\nb: 2\r\n', false],
    ['yaml', 'a: 1\r', true],
    ['toml', 'port = 80', true],
    ['dotenv', 'PASSWORD=hun', true],
    ['dotenv', 'PASSWORD=hunter2\n', false],
    // A format someone registered: its cut documents may decode too.
    ['kv', 'a=1', true],
    // A top-level JSON object cut anywhere does not decode: never held.
    ['json', '{"port":80', false],
    ['json', '{"port":8080}', false],
    ['yaml', '', false],
  ])('%s %j → %s', (format, text, expected) => {
    expect(mayBeCut(format, text)).toBe(expected);
    expect(mayBeCut(format, bytes(text))).toBe(expected);
  });

  it('holds nothing that is not text', () => {
    expect(mayBeCut('object', { a: 1 })).toBe(false);
  });
});

describe('isBlank', () => {
  it.each([
    ['', true],
    ['\n', true],
    [' \t\r\n ', true],
    ['\n  {', false],
    ['# comment\n', false],
    ['{}', false],
  ])('%j → %s', (text, expected) => {
    expect(isBlank(text)).toBe(expected);
    expect(isBlank(bytes(text))).toBe(expected);
  });
});
