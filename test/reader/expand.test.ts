import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { expandVariables } from '../../src/reader/expand.ts';

// The grammar as a regular expression: the reference the linear scan must agree with, on short inputs only.
const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z0-9_]+)(?::-([^}]*))?\}/g;
function reference(text: string, env: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = Object.hasOwn(env, name!) ? env[name!] : undefined;
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    return value ?? '';
  });
}

describe('${VAR} expansion', () => {
  const env = { A: 'x', B: '', HOST: 'db.local', PORT: '5432' };

  it.each([
    ['$$${A}', '$${A}'],
    ['${A', '${A'],
    ['${A:-', '${A:-'],
    ['${A:-${B}}', 'x}'],
    ['${B:-${A}}', '${A}'],
    ['${B:-a}b}', 'ab}'],
    ['${A:-x', '${A:-x'],
    ['${A${A}', '${Ax'],
    ['${A:-}${B:-}', 'x'],
    ['${:-x}', '${:-x}'],
    ['${A}${A}$', 'xx$'],
    ['a\n${B:-line\nbreak}', 'a\nline\nbreak'],
  ])('%j → %j', (text, expected) => {
    expect(expandVariables(text, env)).toBe(expected);
    expect(reference(text, env)).toBe(expected);
  });

  it('agrees with the grammar written as a regular expression on random text', () => {
    const text = fc.array(fc.constantFrom('$', '{', '}', ':', '-', 'A', 'B', 'C', '_', 'x', ' '), { maxLength: 24 }).map((chars) => chars.join(''));
    fc.assert(fc.property(text, (input) => expandVariables(input, env) === reference(input, env)), { numRuns: 20_000 });
  });

  it('never reads a name the environment does not own', () => {
    expect(expandVariables('${constructor}${__proto__}${toString:-t}', {})).toBe('t');
    expect(expandVariables('${constructor}', process.env)).toBe('');
  });

  it('refuses to build a value longer than its limit, before building it', () => {
    const big = { BIG: 'x'.repeat(1000) };
    expect(expandVariables('${BIG}', big, 1000)).toHaveLength(1000);
    expect(() => expandVariables('${BIG}${BIG}', big, 1999)).toThrow(ConfigError);
    expect(() => expandVariables('${BIG}${BIG}', big, 1999)).toThrow(/longer than 1999 characters/);
  });
});
