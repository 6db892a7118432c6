import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
});
