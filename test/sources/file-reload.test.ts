// A reloader asked to read again after its watch moved (`recheck`) reads once more unless a read is already due.
import { describe, expect, it } from 'vitest';
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
