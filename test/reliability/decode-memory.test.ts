// What a decoding thread holds for a document, measured by the heap it needs rather than by a time or a resident
// size: the document is decoded on a thread whose heap is capped just above what its decode must hold, so that a
// copy more of its text runs the thread out of memory and the document is refused (LIMIT). A heap past its cap ends
// the thread, a verdict that does not depend on the machine or its load.
import { describe, expect, it, vi } from 'vitest';

const MiB = 1024 * 1024;

/**
 * The heap the thread is given (MiB). A 16 MiB YAML plain scalar with no line break at its end decoded in 26 MiB
 * (not in 20) once the thread was handed its bytes with a line break added; handed the text as it was, it needed
 * 41–44 MiB: js-yaml added the line break by copying the whole text, beside its own copy and the thread's.
 */
const CAP_MB = 32;

// Every thread is started with the cap, whatever the document's size.
vi.mock('../../src/loader/thread-limits.ts', async (original) => ({
  ...(await original<typeof import('../../src/loader/thread-limits.ts')>()),
  threadLimits: () => ({ maxOldGenerationSizeMb: CAP_MB, maxYoungGenerationSizeMb: 4 }),
}));

const { decodeOffThread } = await import('../../src/loader/off-thread.ts');

/**
 * Up to three decodes of the same document, until one is not refused. V8 marks the heap concurrently on other
 * threads, and a collection that ends a marking begun while a copy was still in use keeps that copy, dead, until the
 * next: once in twenty decodes or so on a loaded machine, which is a copy more than the decode holds, and the cap
 * ends the thread. A decode that does hold a copy more needs the room every time: given a heap of 20 MiB, a copy
 * less than this one needs, the text was refused three times of three.
 */
async function decodeInCap(data: string | Buffer): Promise<{ a?: string; refusals: string[] }> {
  const refusals: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const decoded = (await decodeOffThread('yaml', data, { maxBytes: 16 * MiB, maxDepth: 64 }, undefined).catch((error: unknown) => error)) as {
      a?: string;
      code?: string;
      message?: string;
    };
    if (decoded.code === undefined) return { a: decoded.a, refusals };
    refusals.push(`${decoded.code}: ${decoded.message}`);
  }
  return { refusals };
}

describe('decoding memory on the thread', () => {
  it(`decodes a 16 MiB YAML plain scalar with no final line break in a heap of ${CAP_MB} MiB`, { timeout: 360_000 }, async () => {
    const length = 16 * MiB - 16;
    for (const [kind, data] of [
      ['text', `a: ${'x'.repeat(length)}`],
      ['bytes', Buffer.from(`a: ${'y'.repeat(length)}`)],
    ] as const) {
      const { a, refusals } = await decodeInCap(data);
      expect(refusals.length, `${kind}: ${refusals.join('; ')}`).toBeLessThan(3);
      expect(a).toHaveLength(length);
    }
  });
});
