import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.ts';
import { formatName, loadEncoder } from '../src/encoders/index.ts';
import { countJsonValues, locateJsonError } from '../src/encoders/json.ts';
import { decodeChangeSet } from '../src/loader/decode.ts';
import { createChangeSet } from '../src/sources/source.ts';

async function decodeError(format: string, text: string): Promise<ConfigError> {
  const encoder = await loadEncoder(format);
  try {
    encoder.decode(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`${format} accepted ${JSON.stringify(text)}`);
}

/** A document decoded as the loader decodes a source's change set. */
function decode(format: string, text: string): Promise<unknown> {
  return decodeChangeSet(createChangeSet('doc', format, text), { limits: { maxBytes: 1 << 20, maxDepth: 64 }, env: undefined });
}

describe('encoders', () => {
  it('decodes each format', async () => {
    expect((await loadEncoder('json')).decode('{"a":{"b":1}}')).toEqual({ a: { b: 1 } });
    expect((await loadEncoder('yaml')).decode('a:\n  b: 1\n  on: yes\n')).toEqual({ a: { b: 1, on: 'yes' } });
    expect((await loadEncoder('yml')).decode('base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n')).toEqual({
      base: { x: 1 },
      derived: { x: 1, y: 2 },
    });
    expect((await loadEncoder('toml')).decode('[a]\nb = 1\n')).toEqual({ a: { b: 1 } });
    expect((await loadEncoder('dotenv')).decode('DB_HOST=x\n# c\nDB_PORT="5432"\nexport MODE=dev\n')).toEqual({
      db: { host: 'x', port: '5432' },
      mode: 'dev',
    });
  });

  it('knows formats case-insensitively with aliases, and rejects unknown ones', async () => {
    expect(formatName('YAML')).toBe('yaml');
    expect(formatName('yml')).toBe('yaml');
    expect(formatName('env')).toBe('dotenv');
    expect(formatName('ini')).toBeUndefined();
    await expect(loadEncoder('xml')).rejects.toMatchObject({ code: 'FORMAT' });
  });

  it.each([
    ['json', '{\n  "a": 1,\n  "b": }\n', 3, 8],
    ['json', '{"a": 1', 1, 8],
    ['json', '{"a": 1}\n}', 2, 1],
    ['yaml', 'a: 1\nb: [1, 2\nc: 3\n', 3, 1],
    ['yaml', 'a: 1\na: 2\n', 2, 1],
    ['toml', 'a = 1\nb = = 2\n', 2, 5],
  ])('%s errors carry line and column: %j', async (format, text, line, column) => {
    const error = await decodeError(format, text);
    expect(error.code).toBe('DECODE');
    expect(error.line).toBe(line);
    expect(error.column).toBe(column);
    expect(error.message).toContain(`line ${line}, column ${column}`);
  });

  it.each([
    ['json', '{\n  "a": "1e999",\n  "b": [1, -2E+400]\n}', 3, 12],
    ['yaml', 'a: .inf\nb: "1e999"\nc:\n  - 1e999\n', 4, 5],
    ['toml', 'a = inf\nb = "1e999"\n1e999 = 1\n[t]\nc = [\n  1_0e9_99,\n]\n', 6, 3],
  ])('%s refuses a number beyond a double with its line and column: %j', async (format, text, line, column) => {
    const error = (await decode(format, text).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/number out of range/);
    expect(error.source).toBe('doc');
    expect([error.line, error.column]).toEqual([line, column]);
  });

  it('keeps infinity written as such, numbers at the edge of the range, and overflowing text in strings', async () => {
    expect(await decode('json', '{"a": 1.7976931348623157e308, "b": "9e999", "c": 1e-999}')).toEqual({
      a: 1.7976931348623157e308,
      b: '9e999',
      c: 0,
    });
    expect(await decode('yaml', 'a: -.inf\nb: "9e999"\nc: 1e300\n')).toEqual({ a: -Infinity, b: '9e999', c: 1e300 });
    expect(await decode('toml', 'a = -inf\nb = "9e999"\nc = """\n9e999\n"""\n')).toEqual({
      a: -Infinity,
      b: '9e999',
      c: '9e999\n',
    });
  });

  it('never quotes the document in an error message', async () => {
    const secret = 'hunter2-very-secret';
    for (const [format, text] of [
      ['json', `{"password": "${secret}", }`],
      ['yaml', `password: ${secret}\n  bad: [`],
      ['toml', `password = "${secret}"\nbad = [`],
    ] as const) {
      const error = await decodeError(format, text);
      expect(error.message).not.toContain(secret);
      expect(String((error.cause as Error | undefined)?.message ?? '')).toBeDefined();
    }
  });

  it('stops a YAML alias bomb: what aliases expand to counts against maxBytes', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) {
      const name = String.fromCharCode(98 + i);
      const prev = String.fromCharCode(97 + i);
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const error = await decodeError('yaml', bomb.join('\n'));
    expect(error.code).toBe('LIMIT');
  });
});

describe('locateJsonError', () => {
  // A syntax character is named in single quotes: the double quote in double quotes read `"""`.
  it.each([
    ['{"a": 1 "b": 2}', `expected '}', unexpected character '"'`],
    ['{"a" 1}', `expected ':', unexpected digit`],
    ['{a: 1}', `expected '"', unexpected letter`],
    ['[1,]', `unexpected character ']'`],
  ])('%j is described in words, with syntax characters quoted', (text, reason) => {
    expect(locateJsonError(text).reason).toBe(reason);
  });

  it.each([
    ['', 0],
    ['{', 1],
    ['{"a" 1}', 5],
    ['[1,]', 3],
    ['{"a":tru}', 5],
    ['"\\x"', 2],
    ['01', 1],
  ])('%j fails at offset %i', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text).offset).toBe(offset);
  });
});

describe('countJsonValues', () => {
  it.each([
    ['1', 1],
    ['{}', 1],
    ['[]', 1],
    [' { "a" : [ 1 , "x,{[" , null , true , false , -1.5e3 ] } ', 8],
    ['{"a":{"b":[1,2,3]},"a":{"b":[1,2,3]}}', 11],
    ['[[],{},[[{}]]]', 6],
    ['"\\"{[,"', 1],
  ])('%j builds %i values', (text, count) => {
    expect(countJsonValues(text, 100)).toBe(count);
    expect(countJsonValues(text, count)).toBe(count);
  });

  it('stops past the most it was given, and counts nothing of an invalid text', () => {
    expect(countJsonValues('[1,2,3]', 3)).toBeUndefined();
    expect(countJsonValues(`[${'1,'.repeat(1_000_000)}1]`, 10)).toBeUndefined();
    expect(countJsonValues('[1,]', 100)).toBeUndefined();
    expect(countJsonValues('{"a":1}x', 100)).toBeUndefined();
  });
});
