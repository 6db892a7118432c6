// The chunks of a tree decoded on a thread are taken in one a turn of the event loop: the port hands over every
// message that came while it was handing them over, so taking each in as it came took in a whole tree at once
// whenever the thread kept up.
import { describe, expect, it, vi } from 'vitest';
import { decodeOffThread } from '../../src/loader/off-thread.ts';
import type { ChunkOp, TreeBuilder } from '../../src/loader/tree-chunks.ts';

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

describe('chunks of a tree decoded on a thread', () => {
  it('are taken in one a turn of the event loop', { timeout: 120_000 }, async () => {
    // About 1 MiB of TOML keys: 93,000 values, some twenty chunks.
    const text = Array.from({ length: 93_000 }, (_, i) => `k${i} = ${i % 10}`).join('\n');
    let counting = true;
    const tick = () => {
      if (!counting) return;
      turn++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const tree = (await decodeOffThread('toml', text, { maxBytes: 16 * 1024 * 1024, maxDepth: 64 }, undefined)) as Record<string, number>;
    counting = false;
    expect(tree.k92999).toBe(9);
    expect(Object.keys(tree)).toHaveLength(93_000);
    expect(takenAt.length).toBeGreaterThan(10);
    expect(new Set(takenAt).size).toBe(takenAt.length);
  });
});
