// The waits of a watched file's read between attempts, each ended by the file's next change: however many there are
// over a source's life, they leave nothing held on the source's long-lived signal.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createReloader } from '../../src/sources/file-reload.ts';
import { createChangeSet } from '../../src/sources/source.ts';
import { heapUsed } from './measure.ts';

/** Makes `count` waits of one read, each ended by a change, on the long-lived `signal`; resolves once it is read. */
async function wokenWaits(count: number, signal: AbortSignal): Promise<number> {
  let woken = 0;
  let offered = false;
  const reloader = createReloader({
    debounce: 60_000,
    async read(wait) {
      for (let i = 0; i < count; i++) {
        const waiting = wait(60_000, signal);
        reloader.changed();
        await waiting;
        woken++;
      }
      return createChangeSet('file:test', 'json', '{}');
    },
    offer: () => void (offered = true),
    fail: (error) => {
      throw error;
    },
  });
  reloader.reload();
  await new Promise<void>((resolve) => {
    const check = () => (offered ? resolve() : setImmediate(check));
    check();
  });
  reloader.stop();
  return woken;
}

describe('a read waiting between attempts', () => {
  it('holds nothing once woken, however many waits a source makes (50,000 woken by changes)', async () => {
    const closing = new AbortController();
    await wokenWaits(1000, closing.signal);
    const before = heapUsed();
    expect(await wokenWaits(50_000, closing.signal)).toBe(50_000);
    const held = heapUsed() - before;
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
    console.log(`50,000 woken waits: ${(held / 1e6).toFixed(2)} MB held`);
    expect(held).toBeLessThan(1e6);
  });
});
