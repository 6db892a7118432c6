// The chunks of a tree decoded on a thread are taken in one a turn of the event loop: the port hands over every
// message that came while it was handing them over, so taking each in as it came took in a whole tree at once
// whenever the thread kept up. JSON's are taken in as every other format's, from 512 KiB.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { decodeOffThread } from '../../src/loader/off-thread.ts';
import type { ChunkOp, TreeBuilder } from '../../src/loader/tree-chunks.ts';
import { createChangeSet } from '../../src/sources/source.ts';

/** The turn of the event loop (counted by one setImmediate after another) at which each chunk was taken in. */
const takenAt: number[] = [];
let turn = 0;

vi.mock('../../src/loader/tree-chunks.ts', async (original) => {
  const chunks = await original<typeof import('../../src/loader/tree-chunks.ts')>();
  return {
    ...chunks,
    createTreeBuilder(): TreeBuilder {
      const builder = chunks.createTreeBuilder();
      return {
        apply(ops: readonly ChunkOp[]) {
          takenAt.push(turn);
          builder.apply(ops);
        },
        get apart() {
          return builder.apart;
        },
        fill: (next: () => string) => builder.fill(next),
        get tree() {
          return builder.tree;
        },
      };
    },
  };
});

/** Counts the turns of the event loop (one setImmediate after another) into `turn` until stopped. */
function countTurns(): () => void {
  let counting = true;
  const tick = () => {
    if (!counting) return;
    turn++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => void (counting = false);
}

const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 };

describe('chunks of a tree decoded on a thread', () => {
  beforeEach(() => {
    takenAt.length = 0;
  });

  it('are taken in one a turn of the event loop', { timeout: 120_000 }, async () => {
    // About 1 MiB of TOML keys: 93,000 values, some twenty chunks.
    const text = Array.from({ length: 93_000 }, (_, i) => `k${i} = ${i % 10}`).join('\n');
    const stop = countTurns();
    const tree = (await decodeOffThread('toml', text, limits, undefined)) as Record<string, number>;
    stop();
    expect(tree.k92999).toBe(9);
    expect(Object.keys(tree)).toHaveLength(93_000);
    expect(takenAt.length).toBeGreaterThan(10);
    expect(new Set(takenAt).size).toBe(takenAt.length);
  });

  // JSON was parsed again on the event loop in one step once the thread had checked it (up to 16 MiB and 150,000
  // values): 1 MiB of keys held the loop 150-240 ms, as long as the whole decode on it.
  it('of a JSON document are taken in one a turn too, never parsed again on the event loop', { timeout: 120_000 }, async () => {
    const text = `{${Array.from({ length: 93_000 }, (_, i) => `"k${i}":${i % 10}`).join(',')}}`;
    const parse = vi.spyOn(JSON, 'parse');
    const stop = countTurns();
    try {
      const tree = (await decodeOffThread('json', Buffer.from(text), limits, undefined)) as Record<string, number>;
      expect(tree.k92999).toBe(9);
      expect(Object.keys(tree)).toHaveLength(93_000);
      // Chunks are parsed from their own texts, made on the thread from the tree, each of a bounded length: the
      // document's text is never parsed on the event loop.
      expect(parse.mock.calls.length).toBeGreaterThan(10);
      for (const [chunk] of parse.mock.calls) expect(typeof chunk === 'string' && chunk.startsWith('[[') && chunk.length <= 2 * 64 * 1024).toBe(true);
    } finally {
      stop();
      parse.mockRestore();
    }
    expect(takenAt.length).toBeGreaterThan(10);
    expect(new Set(takenAt).size).toBe(takenAt.length);
  });

  // JSON under 1 MiB was decoded on the event loop in one step: 55,000 keys, 600 kB, about 100 ms of it.
  it('of a JSON document from 512 KiB', { timeout: 120_000 }, async () => {
    const json = (count: number) => `{${Array.from({ length: count }, (_, i) => `"key${i}":${i % 10}`).join(',')}}`;
    const changeSet = (text: string) => createChangeSet('test', 'json', text);
    const large = json(55_000);
    expect(Buffer.byteLength(large)).toBeGreaterThan(512 * 1024);
    const stop = countTurns();
    const tree = (await decodeChangeSet(changeSet(large), { limits, env: undefined })) as Record<string, number>;
    stop();
    expect(tree.key54999).toBe(9);
    expect(takenAt.length).toBeGreaterThan(5);
    expect(new Set(takenAt).size).toBe(takenAt.length);
    // Under 512 KiB, the event loop decodes it itself, with no thread's round trip.
    takenAt.length = 0;
    const small = json(40_000);
    expect(Buffer.byteLength(small)).toBeLessThan(512 * 1024);
    expect(((await decodeChangeSet(changeSet(small), { limits, env: undefined })) as Record<string, number>).key39999).toBe(9);
    expect(takenAt).toHaveLength(0);
  });

  // The threshold is a size in bytes, 512 KiB itself included: the same document either side of it, with what
  // the decode must do to it (a hostile key dropped, ${VAR} expanded, characters of two to four bytes), is the same tree.
  it('of a JSON document of 512 KiB exactly, and not of one a byte shorter, the same tree either way', { timeout: 120_000 }, async () => {
    const head = '{"__proto__":{"x":1},"e":"${MICROCONF_EDGE}","u":"\u00e9\ud83d\ude00 é😀","n":[1,2.5,null,true,{"a":{}}],"pad":"';
    const sized = (bytes: number) => `${head}${'p'.repeat(bytes - Buffer.byteLength(head) - 2)}"}`;
    const env = { MICROCONF_EDGE: 'expanded' };
    const trees: Record<string, unknown>[] = [];
    for (const [bytes, chunked] of [
      [512 * 1024, true],
      [512 * 1024 - 1, false],
    ] as const) {
      takenAt.length = 0;
      const text = sized(bytes);
      expect(Buffer.byteLength(text)).toBe(bytes);
      const tree = (await decodeChangeSet(createChangeSet('test', 'json', text), { limits, env })) as Record<string, unknown>;
      expect(takenAt.length > 0, `${bytes} bytes`).toBe(chunked);
      trees.push({ ...tree, pad: (tree.pad as string).length });
    }
    expect(trees[0]).toEqual({ e: 'expanded', u: 'é😀 é😀', n: [1, 2.5, null, true, { a: {} }], pad: 512 * 1024 - Buffer.byteLength(head) - 2 });
    expect(trees[1]).toEqual({ ...trees[0], pad: (trees[0]!.pad as number) - 1 });
  });
});
