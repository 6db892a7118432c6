import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/reader/secrets.ts';

describe('createRedactor', () => {
  it.each<[string[], string[][], string[], boolean]>([
    [['db.password'], [], ['db', 'password'], true],
    [['db.password'], [], ['db', 'password', 'inner'], true],
    [['db.password'], [], ['db.password'], true],
    [['db.password'], [], ['db'], false],
    [['**.token'], [], ['a', 'b', 'token'], true],
    [['services.*.key'], [], ['services', 'x', 'key'], true],
    [[], [['db', 'password']], ['db', 'password'], true],
    [[], [['db', 'password']], ['db', 'password', '0'], true],
    [[], [['db', 'password']], ['db'], false],
    [[], [['db', 'password']], ['db', 'passwords'], false],
    // A literal path is its exact segments: a key holding a dot is one segment.
    [[], [['db', 'password']], ['db.password'], false],
    [[], [['db.password']], ['db.password'], true],
    [[], [['db.password']], ['db', 'password'], false],
    [[], [['list', '1']], ['list', '1'], true],
    [[], [['list', '1']], ['list', '0'], false],
    [[], [['a'], ['a', 'b']], ['a', 'c'], true],
    [[], [['a', 'b'], ['a']], ['a', 'c'], true],
    [[], [[]], ['anything', 'at', 'all'], true],
    [['x'], [['db', 'password']], ['x'], true],
    [['x'], [['db', 'password']], ['db', 'password'], true],
    [['x'], [['db', 'password']], ['db', 'host'], false],
  ])('patterns %j and paths %j: %j secret is %s', (patterns, paths, segments, expected) => {
    expect(createRedactor(patterns, paths).isSecret(segments)).toBe(expected);
  });

  it('redacts literal secret paths and patterns together inside the values it shows', () => {
    const redactor = createRedactor(['**.token'], [['db', 'password'], ['tokens', '1']]);
    expect(redactor.empty).toBe(false);
    expect(
      redactor.redact({ db: { host: 'h', password: 'hunter2' }, tokens: ['a', 'b'], api: { token: 't' }, 'db.password': 'kept' }, []),
    ).toEqual({
      db: { host: 'h', password: REDACTED },
      tokens: ['a', REDACTED],
      api: { token: REDACTED },
      'db.password': 'kept',
    });
    expect(redactor.redact('hunter2', ['db', 'password'])).toBe(REDACTED);
    expect(redactor.redact({ password: 'hunter2', host: 'h' }, ['db'])).toEqual({ password: REDACTED, host: 'h' });
  });

  it('is empty, and hands values back as they are, with neither', () => {
    const redactor = createRedactor();
    const value = { a: 1 };
    expect(redactor.empty).toBe(true);
    expect(redactor.redact(value, [])).toBe(value);
    expect(createRedactor([], [['a']]).empty).toBe(false);
  });
});
