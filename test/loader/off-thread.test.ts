import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { decodeOffThread } from '../../src/loader/off-thread.ts';
import { createTreeBuilder, treeChunks, type ChunkOp } from '../../src/loader/tree-chunks.ts';
import type { Tree } from '../../src/reader/tree.ts';

const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 };

/** The tree rebuilt from its chunks, each cloned as a message between threads is, and how many chunks it took. */
function roundTrip(tree: Tree, chunkSize: number): { tree: Tree; chunks: ChunkOp[][] } {
  const builder = createTreeBuilder();
  const chunks = [...treeChunks(tree, chunkSize)];
  for (const ops of chunks) builder.apply(structuredClone(ops));
  return { tree: builder.tree, chunks };
}

describe('tree chunks', () => {
  const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
  const tree = fc.letrec((of) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, of('array'), of('object')),
    array: fc.array(of('node'), { maxLength: 6 }),
    object: fc.dictionary(fc.string().filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key)), of('node'), { maxKeys: 6 }),
  })).object;

  it('rebuild any tree as it was, keys in their order, whatever the chunk size', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 200 }), (original, chunkSize) => {
        const rebuilt = roundTrip(original as Tree, chunkSize).tree;
        expect(rebuilt).toEqual(original);
        expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(original));
      }),
      { numRuns: 1000 },
    );
  });

  it('cut a large object and a large array into chunks of about the chunk size', () => {
    const flat = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const large = { flat, list: Array.from({ length: 10_000 }, (_, i) => [i, -0, Number.NaN, Infinity]) };
    const { tree: rebuilt, chunks } = roundTrip(large, 4096);
    expect(rebuilt).toStrictEqual(large);
    expect(Object.keys((rebuilt as typeof large).flat)).toEqual(Object.keys(flat));
    expect(chunks.length).toBeGreaterThan(100);
    for (const ops of chunks) expect(JSON.stringify(ops).length).toBeLessThan(4096 * 2);
  });

  it('hand a small tree, or a scalar, over in one chunk', () => {
    expect(roundTrip({ a: [1, { b: 'c' }] }, 4096).chunks).toHaveLength(1);
    expect(roundTrip('text', 1)).toEqual({ tree: 'text', chunks: [[['text']]] });
  });

  it('never put a hostile key on a rebuilt object', () => {
    const builder = createTreeBuilder();
    const fragment = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Tree;
    builder.apply([[-1, '', 0, false], [0, fragment], [0, 'constructor', 1, false]]);
    expect(builder.tree).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(builder.tree)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('decodeOffThread', () => {
  it('decodes every built-in format on the thread, expanding ${VAR} from the environment given', { timeout: 60_000 }, async () => {
    const cases: [string, string][] = [
      ['json', '{"a": {"b": "${X}"}}'],
      ['yaml', 'a:\n  b: ${X}\n'],
      ['toml', '[a]\nb = "${X}"\n'],
      ['dotenv', 'A_B=${X}\n'],
      ['json5', "{a: {b: '${X}'}}"],
    ];
    for (const [format, text] of cases) {
      expect(await decodeOffThread(format, new TextEncoder().encode(text), limits, { X: 'x' })).toEqual({ a: { b: 'x' } });
    }
  });

  it('hands back a decoder error with its line and column, and any other failure as a ConfigError', { timeout: 60_000 }, async () => {
    const decoded = await decodeOffThread('yaml', 'a: 1\nb: [secret\n', limits, undefined).catch((error: unknown) => error);
    expect(decoded).toBeInstanceOf(ConfigError);
    expect(decoded).toMatchObject({ code: 'DECODE', line: 3 });
    expect(String(decoded)).not.toContain('secret');
    await expect(decodeOffThread('ini', 'a=1', limits, undefined)).rejects.toMatchObject({ code: 'FORMAT' });
    await expect(decodeOffThread('json', `{"a":[${'[],'.repeat(20)}1]}`, { ...limits, maxValues: 10 }, undefined)).rejects.toMatchObject({
      code: 'LIMIT',
    });
  });

  it('stops a decode that takes too long, refusing the document, and decodes the next on a new thread', { timeout: 120_000 }, async () => {
    const slow = Array.from({ length: 50_000 }, (_, i) => `key${i}: [${i}, {a: ${i}}]`).join('\n');
    await expect(decodeOffThread('yaml', slow, limits, undefined, 1)).rejects.toMatchObject({ code: 'LIMIT' });
    expect(await decodeOffThread('yaml', 'a: 1', limits, undefined)).toEqual({ a: 1 });
  });

  it('has the event loop parse a valid JSON document again, never one whose tree differs from the text', { timeout: 60_000 }, async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const plain = '\uFEFF{"a": {"b": [1, "x", null]}, "c": "${X"}';
      expect(await decodeOffThread('json', new TextEncoder().encode(plain), limits, { X: 'x' })).toEqual({ a: { b: [1, 'x', null] }, c: '${X' });
      expect(parse).toHaveBeenCalledWith(plain.slice(1));
      parse.mockClear();
      // A key dropped, a string expanded: parsing the text again would bring them back, so the tree travels.
      const rewritten = await decodeOffThread('json', '{"a": {"__proto__": {"polluted": 1}, "b": "${X}"}}', limits, { X: 'x' });
      expect(rewritten).toEqual({ a: { b: 'x' } });
      expect(Object.getPrototypeOf((rewritten as { a: object }).a)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(parse).not.toHaveBeenCalled();
      // More values than the event loop parses at once: the tree travels in chunks.
      const many = `{"a":[${Array.from({ length: 160_000 }, (_, i) => i % 10).join(',')}]}`;
      const large = (await decodeOffThread('json', many, { ...limits, maxValues: 200_000 }, undefined)) as { a: number[] };
      expect(large.a).toHaveLength(160_000);
      expect(large.a[159_999]).toBe(9);
      expect(parse).not.toHaveBeenCalledWith(many);
    } finally {
      parse.mockRestore();
    }
  });

  it('decodes two documents at once: a slow one does not hold up the next, and a third waits its turn', { timeout: 120_000 }, async () => {
    // YAML of 20,000 keys: a second or more of the parser's time, against milliseconds for a small document.
    const slow = (salt: number) => Array.from({ length: 20_000 }, (_, i) => `key${i}: [${i + salt}, {a: ${i}}]`).join('\n');
    const wide = { ...limits, maxValues: 200_000 };
    const done: string[] = [];
    const track = (name: string, decoding: Promise<Tree>) => decoding.then((tree) => (done.push(name), tree));
    const first = track('slow 1', decodeOffThread('yaml', slow(1), wide, undefined));
    const second = track('slow 2', decodeOffThread('yaml', slow(2), wide, undefined));
    const small = track('small', decodeOffThread('json', '{"a": 1}', limits, undefined));
    const [one, two, three] = await Promise.all([first, second, small]);
    expect((one as Record<string, unknown>).key19999).toEqual([20_000, { a: 19_999 }]);
    expect((two as Record<string, unknown>).key19999).toEqual([20_001, { a: 19_999 }]);
    expect(three).toEqual({ a: 1 });
    // The small document waited for a thread, then went ahead of the slow document still decoding on the other.
    expect(done.indexOf('small')).toBe(1);
    const side = track('side', decodeOffThread('yaml', slow(3), wide, undefined));
    const next = track('next', decodeOffThread('json', '{"b": 2}', limits, undefined));
    expect(await next).toEqual({ b: 2 });
    expect(done.at(-1)).toBe('next');
    await side;
  });

  it('gives each of many documents asked for in one turn its own tree', { timeout: 60_000 }, async () => {
    const trees = await Promise.all(Array.from({ length: 6 }, (_, i) => decodeOffThread(i % 2 ? 'yaml' : 'json', i % 2 ? `n: ${i}` : `{"n": ${i}}`, limits, undefined)));
    expect(trees).toEqual(Array.from({ length: 6 }, (_, i) => ({ n: i })));
  });
});
