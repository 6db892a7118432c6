// A file source's read that waits between attempts (the file changed during each of its first reads) reads again
// at the file's next change rather than at the end of its wait: a writer's next step is a write finished. Waits here
// never end by themselves, so a read that is not woken by the change never reads again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConfig, fileSource, type Config } from '../../src/index.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const reads = vi.hoisted(() => ({ agree: true, confirmations: 0, waits: 0 }));
vi.mock('../../src/sources/read-file.ts', async (original) => {
  const actual = await original<typeof import('../../src/sources/read-file.ts')>();
  return {
    ...actual,
    matchesFile: async (path: string, bytes: Uint8Array, open?: number) => {
      reads.confirmations++;
      return reads.agree && (await actual.matchesFile(path, bytes, open));
    },
  };
});
vi.mock('../../src/sleep.ts', () => ({
  // Ends only when its signal aborts.
  sleep: (_ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      reads.waits++;
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
}));

const open: Config[] = [];
afterEach(async () => {
  reads.agree = true;
  await Promise.all(open.splice(0).map((config) => config.close()));
});

describe('a watched file read while it keeps changing', () => {
  it('is read again at its next change, not at the end of the wait between reads', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    open.push(config);
    await settle(150);
    reads.agree = false;
    reads.confirmations = 0;
    reads.waits = 0;
    await writeFile(path, '{"port":2}');
    // Five reads at once, then a wait that only a change ends (the write's own events may end one).
    await eventually(() => expect(reads.waits).toBeGreaterThanOrEqual(1));
    await settle(200);
    const waiting = reads.confirmations;
    expect(waiting).toBeGreaterThanOrEqual(5);
    await settle(200);
    expect(reads.confirmations).toBe(waiting);
    expect(config.get('port').int()).toBe(1);
    reads.agree = true;
    await writeFile(path, '{"port":3}');
    await eventually(() => expect(config.get('port').int()).toBe(3));
  });
});
