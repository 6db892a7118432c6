import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../src/errors.ts';
import type { DecodeBounds } from '../../src/encoders/encoder.ts';
import { yamlEncoder } from '../../src/encoders/yaml.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { createChangeSet } from '../../src/sources/source.ts';

const bounds = { maxBytes: 1 << 20, maxDepth: 64 };
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['__proto__', 'constructor', 'prototype', '<<'].includes(k));
const value = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
})).node;
/** Plain scalars whose reading differs between schemas and parsers. */
const EDGE_SCALARS = [
  '0o17', '0x1F', '0X1F', '-0x1F', '0b1', '1_000', '017', '+1', '-0', '1e3', '1E3', '1.', '.5', '+.5', '-1.5e-3', '1e+3',
  '.inf', '-.inf', '+.Inf', '.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', '~', 'null', 'Null', 'NULL', 'nULL',
  'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '2024-01-01', '2001-12-14t21:59:43.10-05:00',
  '12:30:00', '1:20', '0.', '00', '0x', '0o', '1e', 'e3', '9007199254740993', '1_0.5', '0x_1F', '+0x1F', '0o8', '.', '+',
];
const decode = (text: string) => yamlEncoder.decode(text, bounds);
const layer = (text: string) => decodeChangeSet(createChangeSet('doc', 'yaml', text), { limits: bounds, env: undefined });

function refusal(text: string, limits: DecodeBounds = bounds): ConfigError {
  try {
    yamlEncoder.decode(text, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
}

describe('YAML documents as data', () => {
  it.each([
    ['base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3', { base: { x: 1, y: 2 }, d: { x: 1, y: 3 } }],
    ['a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]', { a: { x: 1 }, b: { x: 2, y: 2 }, c: { x: 1, y: 2 } }],
    ['a: &a {x: 1}\nc:\n  x: 0\n  <<: *a', { a: { x: 1 }, c: { x: 0 } }],
    ['c:\n  <<: {x: 1}\n  y: 2', { c: { x: 1, y: 2 } }],
    ['~: 1\n2: b\ntrue: c', { '': 1, 2: 'b', true: 'c' }],
    ['a: !!pairs\n  - x: 1\n  - x: 2', { a: [{ x: 1 }, { x: 2 }] }],
    ['a: [b: 1, c]', { a: [{ b: 1 }, 'c'] }],
    ['a: &s hello\nb: *s', { a: 'hello', b: 'hello' }],
    ['', null],
    ['- 1\n- 2', [1, 2]],
  ])('%j', (text, expected) => {
    expect(decode(text)).toEqual(expected);
  });

  it('turns !!set into an array, !!omap into an object in order, !!binary into base64, timestamps into ISO text', async () => {
    const tree = await layer(
      'set: !!set\n  ? b\n  ? a\nomap: !!omap\n  - z: 1\n  - a: 2\nbin: !!binary |\n  aGVs\n  bG8=\nwhen: !!timestamp 2001-12-14t21:59:43.10-05:00\n',
    );
    expect(tree).toEqual({ set: ['b', 'a'], omap: { z: 1, a: 2 }, bin: 'aGVsbG8=', when: '2001-12-15T02:59:43.100Z' });
    expect(Object.keys((tree as { omap: object }).omap)).toEqual(['z', 'a']);
  });

  it('drops hostile keys, still defining the anchors under them', () => {
    const data = decode('__proto__: &p {polluted: 1}\nconstructor: {prototype: {x: 1}}\nb: *p') as Record<string, unknown>;
    expect(data).toEqual({ b: { polluted: 1 } });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a: 1\nb: 2\na: 3', 'a key appears twice in a mapping', 3, 1],
    ['1: a\n"1": b', 'a key appears twice in a mapping', 2, 1],
    ['a: !!omap\n  - x: 1\n  - x: 2', 'a value does not match its tag', 1, 4],
    ['a: 1\nb: *hunter2', 'an alias refers to no anchor', 2, 4],
    ['a: &x [*x]', 'an alias refers to the node that holds it', 1, 8],
    ['? [a, b]\n: c', 'a key is a mapping or a sequence, not a scalar', 1, 3],
    ['a:\n  <<: [1]', 'a merge key (<<) takes a mapping', 2, 8],
    ['a: "\\q"', 'a double-quoted string holds an invalid escape sequence', 1, 5],
    ['a: @x', 'a plain value starts with a reserved character', 1, 4],
    ['a: 1\n---\nb: 2', 'the text holds more than one document', 2, 1],
  ])('%j: %s, at line %i, column %i', (text, reason, line, column) => {
    const error = refusal(text);
    expect(error.code).toBe('DECODE');
    expect(error.message).toContain(reason);
    expect([error.line, error.column]).toEqual([line, column]);
  });

  it('counts what aliases and merges expand to against maxBytes, before building it', () => {
    const anchor = `a: &a {${Array.from({ length: 100 }, (_, i) => `k${i}: v`).join(', ')}}\n`;
    const aliases = `${anchor}${Array.from({ length: 50 }, (_, i) => `b${i}: *a`).join('\n')}`;
    const merges = `${anchor}${Array.from({ length: 50 }, (_, i) => `b${i}: {<<: *a}`).join('\n')}`;
    expect(decode(aliases)).toHaveProperty('b49.k99', 'v');
    expect(decode(merges)).toHaveProperty('b49.k99', 'v');
    for (const text of [aliases, merges]) {
      const error = refusal(text, { maxBytes: 10 * text.length, maxDepth: 64 });
      expect(error.code).toBe('LIMIT');
      expect(error.message).toContain('more than');
    }
  });

  it('refuses nesting deeper than maxDepth, naming the first collection too deep, brackets in text aside', () => {
    expect(refusal(`a: ${'['.repeat(70)}${']'.repeat(70)}`).code).toBe('LIMIT');
    // The root mapping is level 1: the 64th `{` opens level 65.
    const deep = refusal(`x: 1\na: ${'{b: '.repeat(70)}1${'}'.repeat(70)}`);
    expect([deep.code, deep.line, deep.column]).toEqual(['LIMIT', 2, 4 + 63 * 4]);
    expect(decode(`a: ${'{b: '.repeat(63)}1${'}'.repeat(63)}`)).toBeTruthy();
    expect(refusal(`a: ${'{b: '.repeat(63)}[]${'}'.repeat(63)}`).code).toBe('LIMIT');
    const text = `a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\nc: |\n  ${'['.repeat(100)}\nd: x${'['.repeat(100)}\n`;
    expect(decode(text)).toEqual({ a: '['.repeat(100), b: '{'.repeat(100), c: `${'['.repeat(100)}\n`, d: `x${'['.repeat(100)}` });
  });

  it('gives what the yaml package gives for ordinary documents', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.boolean(), (document, flow) => {
        const text = stringify(document, flow ? { collectionStyle: 'flow' } : undefined);
        expect(decode(text)).toEqual(parse(text, { merge: true, uniqueKeys: true }));
      }),
      { numRuns: 500 },
    );
  });

  it('reads plain scalars as the core schema of the yaml package does, edge forms included', () => {
    // Written unquoted, each is resolved by the schema: numbers by YAML 1.2's core forms only (no `0b`, no `_`),
    // no YAML 1.1 booleans, no implicit dates.
    const plain = fc.oneof(fc.constantFrom(...EDGE_SCALARS), fc.integer().map(String), fc.double({ noNaN: true }).map(String));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), plain), { minLength: 1, maxLength: 8 }), fc.boolean(), (pairs, flow) => {
        const unique = [...new Map(pairs).entries()];
        const text = flow
          ? `{${unique.map(([k, v]) => `${k}: ${v}`).join(', ')}, list: [${unique.map(([, v]) => v).join(', ')}]}`
          : `${unique.map(([k, v]) => `${k}: ${v}`).join('\n')}\nlist:\n${unique.map(([, v]) => `  - ${v}`).join('\n')}\n`;
        expect(decode(text)).toEqual(parse(text, { merge: true, uniqueKeys: true }));
      }),
      { numRuns: 300 },
    );
    for (const edge of EDGE_SCALARS) expect(decode(`a: ${edge}`), edge).toEqual(parse(`a: ${edge}`));
  });

  it('gives what the yaml package gives for documents with anchors, aliases and merges', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, scalar, { minKeys: 1, maxKeys: 4 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }), (bases, picks) => {
        const anchors = bases.map((base, i) => `base${i}: &b${i} ${stringify(base, { collectionStyle: 'flow' }).trim()}`);
        const users = picks.map((pick, i) => {
          const sources = picks.slice(0, (pick % 3) + 1).map((p) => `*b${p % bases.length}`);
          return `use${i}:\n  <<: [${sources.join(', ')}]\n  own: ${i}\n  alias: *b${pick % bases.length}`;
        });
        const text = [...anchors, ...users].join('\n');
        expect(decode(text)).toEqual(parse(text, { merge: true, uniqueKeys: true }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('YAML documents the parser reads its own way', () => {
  it.each([
    // Keys: a null key is the empty text, a date key its ISO text, a number its text.
    ['null: 1\n"null": 2', { '': 1, null: 2 }],
    ['? !!timestamp 2001-01-01\n: x', { '2001-01-01T00:00:00.000Z': 'x' }],
    ['0x10: a\n1.0: b', { 16: 'a', 1: 'b' }],
    // A tag it does not know gives the value as if untagged; one it knows that does not fit keeps the text.
    ['a: !secret x\nb: !Ref [1]\nc: !!foo {d: 1}\ne: !<tag:example.com,2000:x> y', { a: 'x', b: [1], c: { d: 1 }, e: 'y' }],
    ['a: !!int abc\nb: !!float 1\nc: !!int 0x1f', { a: 'abc', b: '1', c: 31 }],
    // `<<` merges only as a plain key; quoted, it is a key like any other.
    ['x: &x {p: 1}\na: {"<<": *x}\nb: {<<: *x}', { x: { p: 1 }, a: { '<<': { p: 1 } }, b: { p: 1 } }],
    ['x: &x {p: 1, q: 1}\ny: &y {q: 2, r: 2}\na:\n  r: 0\n  <<: [*x, *y]', { x: { p: 1, q: 1 }, y: { q: 2, r: 2 }, a: { r: 0, p: 1, q: 1 } }],
    ['a: 1\n...\n', { a: 1 }],
    ['# only a comment\n', null],
  ])('%j', (text, expected) => {
    expect(decode(text)).toEqual(expected);
  });

  it.each([
    ['a: &x {b: *x}', 'an alias refers to the node that holds it', 1, 11],
    ['a: &x [1, [*x]]', 'an alias refers to the node that holds it', 1, 12],
    ['x: &x [1]\na: {<<: *x}', 'a merge key (<<) takes a mapping', 2, 9],
    ['a: {<<: 1}', 'a merge key (<<) takes a mapping', 1, 9],
    ['[a]: b', 'a key is a mapping or a sequence, not a scalar', 1, 1],
    ['{[a]: b}', 'a key is a mapping or a sequence, not a scalar', 1, 2],
    ['x: &x [1]\n? *x\n: b', 'a key is a mapping or a sequence, not a scalar', 2, 3],
    ['a: 1\n---\n', 'the text holds more than one document', 2, 1],
    ['a: [1, 2', 'a bracket or a quote is not closed', 1, 4],
    ['a: !!omap [x: 1, x: 2]', 'a value does not match its tag', 1, 4],
    ['a: `x', 'a plain value starts with a reserved character', 1, 4],
    ['a: 1e999', 'number out of range', 1, 4],
    ['a: [1, 2e400]', 'number out of range', 1, 8],
    [`a: ${'9'.repeat(400)}`, 'number out of range', 1, 4],
  ])('refuses %j: %s, at line %i, column %i', (text, reason, line, column) => {
    const error = refusal(text);
    expect(error.code).toBe('DECODE');
    expect(error.message).toContain(reason);
    expect([error.line, error.column]).toEqual([line, column]);
  });

  it('never quotes the document in an error, nor keeps the error of the parser', () => {
    for (const text of ['a: *hunter2', 'a: !<!hunter2> [1', 'a: "hunter2', '%TAG !h! !hunter2\n%TAG !h! !hunter2\n---\na: 1', 'a: !h!hunter2 x']) {
      const error = refusal(text);
      expect(error.message).not.toContain('hunter2');
      expect(error.cause).toBeUndefined();
      expect(inspect(error)).not.toContain('hunter2');
    }
  });

  it('refuses forty thousand [ as a limit, without overflowing the stack', () => {
    for (const text of [`a: ${'['.repeat(40_000)}`, `${'['.repeat(40_000)}${']'.repeat(40_000)}`, `${'- '.repeat(40_000)}a`, `${'{a: '.repeat(40_000)}`]) {
      const error = refusal(text);
      expect(error.code).toBe('LIMIT');
      expect(error.message).toContain('nesting deeper than 64 levels');
    }
    // A larger maxDepth is honoured as far as the stack allows, and past it the refusal is still an error.
    expect(refusal(`a: ${'['.repeat(40_000)}`, { maxBytes: 1 << 20, maxDepth: 1_000_000 }).code).toBe('LIMIT');
    expect(yamlEncoder.decode(`a: ${'['.repeat(1000)}${']'.repeat(1000)}`, { maxBytes: 1 << 20, maxDepth: 1001 })).toHaveProperty('a');
  });

  it('counts values against maxValues while parsing, and stops there', () => {
    const list = `a:\n${'- 1\n'.repeat(10_000)}`;
    expect(() => yamlEncoder.decode(list, { ...bounds, maxValues: 10_002 })).not.toThrow();
    const error = refusal(list, { ...bounds, maxValues: 10_001 });
    expect([error.code, error.message]).toEqual(['LIMIT', expect.stringContaining('maxValues')]);
    // Keys are not values; an alias counts every value of its target again.
    const keys = `${Array.from({ length: 100 }, (_, i) => `k${i}: v`).join('\n')}\n`;
    expect(() => yamlEncoder.decode(keys, { ...bounds, maxValues: 101 })).not.toThrow();
    const aliased = `a: &a [1, 2, 3]\nb: *a\nc: *a\n`;
    expect(() => yamlEncoder.decode(aliased, { ...bounds, maxValues: 13 })).not.toThrow();
    expect(refusal(aliased, { ...bounds, maxValues: 12 }).code).toBe('LIMIT');
  });

  it('refuses a chain of merges (each mapping merging the one before) by its values, before building the chain', () => {
    // Link k holds k keys: 20,000 links would build 200 million values.
    const chain = ['m0: &m0 {a0: 1}', ...Array.from({ length: 20_000 }, (_, k) => `m${k + 1}: &m${k + 1} {<<: *m${k}, a${k + 1}: 1}`)].join('\n');
    const error = refusal(chain, { maxBytes: 16 << 20, maxDepth: 64, maxValues: 100_000 });
    expect([error.code, error.message]).toEqual(['LIMIT', expect.stringContaining('maxValues')]);
    const bytes = refusal(chain, { maxBytes: 1 << 20, maxDepth: 64 });
    expect([bytes.code, bytes.message]).toEqual(['LIMIT', expect.stringContaining('maxBytes')]);
  });
});
