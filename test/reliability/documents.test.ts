// Documents and values that are valid but do not fit a tree of JSON values as they are: numbers past a double
// written in unusual ways, keys that collide once written as text, binary data, variables named after a
// prototype's properties. Each is either kept faithfully or refused with a clear error, never half-kept.
import { describe, expect, it } from 'vitest';
import { ConfigError, createChangeSet, createConfig, memorySource } from '../../src/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';

const decode = (format: string, text: string, env?: Readonly<Record<string, string | undefined>>) =>
  decodeChangeSet(createChangeSet('doc', format, text), { limits: { maxBytes: 1 << 20, maxDepth: 64 }, env });

describe('documents', () => {
  it('refuses a JSON number beyond a double however long its digits run', async () => {
    const long = `0.${'0'.repeat(500)}1e999`;
    expect(Number(long)).toBe(Number.POSITIVE_INFINITY);
    const error = await decode('json', `{"a": 1,\n "b": ${long}}`).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/number out of range/);
    expect([(error as ConfigError).line, (error as ConfigError).column]).toEqual([2, 7]);
  });

  it('refuses JSON nested past maxDepth at the line and column of the container refused, on the event loop and on the thread', async () => {
    // The root and the array are two levels: 62 objects in it are read, and the 63rd of 63 (the 65th level) is refused
    // where it opens, at line 3 (`[` and `{` inside strings, and an escaped quote, are no level).
    const nest = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const head = '{"s": "[[{{\\"[{",\n "b": [\n  ';
    const small = `${head}${nest(63)}]}`;
    expect(await decode('json', `${head}${nest(62)}]}`)).toBeTypeOf('object');
    const bulk = ` "pad": "${'x'.repeat(600 * 1024)}"`;
    for (const text of [small, `${small.slice(0, -1)},\n${bulk}}`]) {
      const error = await decode('json', text).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'LIMIT', line: 3, column: 3 + 5 * 62 });
      // Before: "nesting deeper than 64 levels", with no place.
      expect((error as ConfigError).message).toContain('nesting deeper than 64 levels at line 3');
    }
  });

  it('refuses JSON5 nested past maxDepth at the line and column of the container refused', async () => {
    const nest = (levels: number) => `${'{a:'.repeat(levels)}1${'}'.repeat(levels)}`;
    // Brackets in strings of both quotes and in both kinds of comment are no level; a `//` comment ends at U+2028 too.
    const head = "{s: '[{\\'[', t: \"{[\", /* [{ */ // {[\u2028 b: [\n  ";
    expect(await decode('json5', `${head}${nest(62)}]}`)).toBeTypeOf('object');
    const error = await decode('json5', `${head}${nest(63)}]}`).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'LIMIT', line: 2, column: 3 + 3 * 62 });
  });

  it('refuses TOML arrays and inline tables nested past maxDepth where the parser reaches them, as LIMIT', async () => {
    const arrays = (levels: number) => `a = ${'['.repeat(levels)}${']'.repeat(levels)}`;
    // The root table and 63 arrays: 64 levels, read.
    expect(await decode('toml', arrays(63))).toBeTypeOf('object');
    // Before: a layer refused with no place, and past the parser's own 1,000 levels a DECODE error.
    expect(await decode('toml', arrays(64)).catch((thrown: unknown) => thrown)).toMatchObject({ code: 'LIMIT', line: 1, column: 4 + 64 });
    expect(await decode('toml', arrays(10_000)).catch((thrown: unknown) => thrown)).toMatchObject({ code: 'LIMIT', line: 1, column: 4 + 64 });
    const tables = `x = 1\na = ${'{b='.repeat(64)}1${'}'.repeat(64)}`;
    const error = await decode('toml', tables).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'LIMIT', line: 2, column: 4 + 3 * 63 + 1 });
    expect((error as ConfigError).message).toBe('doc: nesting deeper than 64 levels at line 2, column 194');
  });

  it('refuses YAML keys that differ as YAML but collide as text', async () => {
    const error = await decode('yaml', '1: number\n"1": string\n').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/a key appears twice/);
  });

  it('expands only variables the environment holds as its own strings', async () => {
    const tree = await decode('json', '{"a": "${constructor}", "b": "${__proto__:-safe}", "c": "${toString}"}', { ...process.env });
    expect(tree).toEqual({ a: '', b: 'safe', c: '' });
  });

  it('holds binary data from a memory source as base64 text, a Map as an object and a Set as an array', async () => {
    const config = await createConfig({
      sources: [memorySource({ blob: Buffer.from('hello'), map: new Map<unknown, unknown>([['a', 1], [2, 'b']]), set: new Set(['x', 'y']) })],
    });
    expect(config.get('blob').string()).toBe('aGVsbG8=');
    expect(config.get('map').scan()).toEqual({ a: 1, 2: 'b' });
    expect(config.get('set').scan()).toEqual(['x', 'y']);
    await config.close();
  });
});
