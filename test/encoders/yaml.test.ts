import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../src/errors.ts';
import { yamlEncoder } from '../../src/encoders/yaml.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { createChangeSet } from '../../src/sources/source.ts';

const bounds = { maxBytes: 1 << 20, maxDepth: 64 };
const decode = (text: string) => yamlEncoder.decode(text, bounds);
const layer = (text: string) => decodeChangeSet(createChangeSet('doc', 'yaml', text), { limits: bounds, env: undefined });

function refusal(text: string, limits = bounds): ConfigError {
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

  it('refuses nesting deeper than maxDepth, flow nesting before parsing, brackets in text aside', () => {
    expect(refusal(`a: ${'['.repeat(70)}${']'.repeat(70)}`).code).toBe('LIMIT');
    const deep = refusal(`x: 1\na: ${'{b: '.repeat(70)}1${'}'.repeat(70)}`);
    expect([deep.code, deep.line, deep.column]).toEqual(['LIMIT', 2, 4 + 64 * 4]);
    const text = `a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\nc: |\n  ${'['.repeat(100)}\nd: x${'['.repeat(100)}\n`;
    expect(decode(text)).toEqual({ a: '['.repeat(100), b: '{'.repeat(100), c: `${'['.repeat(100)}\n`, d: `x${'['.repeat(100)}` });
  });

  it('gives what the yaml package gives for ordinary documents', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['__proto__', 'constructor', 'prototype', '<<'].includes(k));
    const value = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.boolean(), (document, flow) => {
        const text = stringify(document, flow ? { collectionStyle: 'flow' } : undefined);
        expect(decode(text)).toEqual(parse(text, { merge: true, uniqueKeys: true }));
      }),
      { numRuns: 500 },
    );
  });
});
