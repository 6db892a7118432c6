// A reloader asked to read again after its watch moved (`recheck`) reads once more unless a read is already due; a
// read that waits between attempts ends its wait at the file's next change, made during the wait or during the read.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReloader, type Reloader } from '../../src/sources/file-reload.ts';
import { createChangeSet } from '../../src/sources/source.ts';
import { settle } from '../helpers/events.ts';

function counting(debounce: number): { reloader: Reloader; reads: () => number } {
  let reads = 0;
  const reloader = createReloader({
    debounce,
    read: async () => {
      reads++;
      return createChangeSet('file:app.json', 'json', `{"read":${reads}}\n`, 0);
    },
    offer: () => {},
    fail: () => {},
  });
  return { reloader, reads: () => reads };
}

describe('a reloader asked to check again', () => {
  it('reads once more when no read is due', async () => {
    const { reloader, reads } = counting(0);
    reloader.changed();
    await settle(50);
    expect(reads()).toBe(1);
    reloader.recheck();
    await settle(50);
    expect(reads()).toBe(2);
    reloader.stop();
  });

  it('adds no read to one already due, at a debounce of 0 or more', async () => {
    for (const debounce of [0, 30]) {
      const { reloader, reads } = counting(debounce);
      reloader.changed();
      reloader.recheck();
      await settle(150);
      expect(reads()).toBe(1);
      reloader.stop();
    }
  });

  it('reads nothing once stopped', async () => {
    const { reloader, reads } = counting(0);
    reloader.stop();
    reloader.recheck();
    await settle(50);
    expect(reads()).toBe(0);
  });
});

describe('a reloader whose read waits between attempts', () => {
  // Waits that never end by themselves (a fake timer never advanced): only a change ends one.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  /**
   * A reloader whose read makes an asynchronous attempt (a file over 1 MiB), held until `finish` is called, then
   * waits before its next attempt; `attempts` records each step.
   */
  function waitingReader() {
    const attempts: string[] = [];
    let reading: ((value?: unknown) => void) | undefined;
    const reloader = createReloader({
      debounce: 0,
      read: async (wait) => {
        attempts.push('read');
        await new Promise((resolve) => (reading = resolve));
        await wait(60_000, new AbortController().signal);
        attempts.push('read again');
        return createChangeSet('file:app.json', 'json', '{"read":2}\n', 0);
      },
      offer: () => attempts.push('offered'),
      fail: () => {},
    });
    return { attempts, reloader, finish: () => reading!() };
  }

  it('ends the wait at once when the file changed while the read was reading, not waiting', async () => {
    const { attempts, reloader, finish } = waitingReader();
    reloader.reload();
    await settle0();
    // The writer writes again during the attempt: the wait that follows it ends at once.
    reloader.changed();
    finish();
    await vi.waitFor(() => expect(attempts).toContain('offered'));
    expect(attempts.slice(0, 3)).toEqual(['read', 'read again', 'offered']);
    reloader.stop();
  });

  it('still waits when nothing changed during the read', async () => {
    const { attempts, reloader, finish } = waitingReader();
    reloader.reload();
    await settle0();
    finish();
    await settle0();
    expect(attempts).toEqual(['read']);
    // The change ends the wait under way.
    reloader.changed();
    await vi.waitFor(() => expect(attempts).toContain('offered'));
    expect(attempts.slice(0, 3)).toEqual(['read', 'read again', 'offered']);
    reloader.stop();
  });
});

/** A few turns of the check phase. */
async function settle0(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
