// With a debounce, a reloader reads the file ahead on the check phase after an event, and when the debounce ends
// with no event since that read began, offers what it read (the very change set told ahead) instead of reading
// then. Nothing is offered before the debounce ends. The debounce's timer is a fake one, advanced by hand; the
// check phase is the real one.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConfig } from '../../src/index.ts';
import { watchedFileSource } from '../../src/sources/file.ts';
import { createReloader, type Reloader } from '../../src/sources/file-reload.ts';
import { AHEAD_READS } from '../../src/sources/read-ahead.ts';
import type { FileListener, FileWatcher } from '../../src/sources/file-watch.ts';
import { tempDir } from '../helpers/files.ts';
import { createChangeSet, READ_AHEAD, type ChangeSet, type ReadsAhead, type Source } from '../../src/sources/source.ts';

const DEBOUNCE = 50;

/** Lets the check phase run (every immediate queued so far, and the promises they settle). */
const checkPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Recorded {
  reloader: Reloader;
  reads: number;
  told: (ChangeSet | undefined)[];
  offered: ChangeSet[];
  failed: unknown[];
  /** What the next reads give: text, or an error thrown. */
  next: (string | Error)[];
}

function recording(debounce = DEBOUNCE, ahead = true): Recorded {
  const state: Recorded = { reloader: undefined as unknown as Reloader, reads: 0, told: [], offered: [], failed: [], next: [] };
  state.reloader = createReloader({
    debounce,
    read: async () => {
      state.reads++;
      const next = state.next.shift() ?? `{"read":${state.reads}}\n`;
      if (next instanceof Error) throw next;
      // A text that is not JSON is YAML, which a write cut mid-line may leave valid; each was modified just now.
      return createChangeSet('file:app.json', next.startsWith('{') ? 'json' : 'yaml', next, Date.now());
    },
    offer: (changeSet) => state.offered.push(changeSet),
    fail: (error) => state.failed.push(error),
    ...(ahead ? { ahead: (changeSet: ChangeSet | undefined) => state.told.push(changeSet) } : {}),
  });
  return state;
}

describe('a reloader with a debounce reads ahead', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('reads at the event, offers that very change set when the debounce ends, and reads no more', async () => {
    const state = recording();
    state.reloader.changed();
    await checkPhase();
    expect(state.reads).toBe(1);
    expect(state.told).toHaveLength(1);
    expect(state.offered).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    expect(state.offered).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.offered).toEqual([state.told[0]]);
    expect(state.offered[0]).toBe(state.told[0]);
    expect(state.reads).toBe(1);
    state.reloader.stop();
  });

  it('drops what it read when an event comes after the read began, and offers what it reads after that event', async () => {
    const state = recording();
    state.reloader.changed();
    await checkPhase();
    state.reloader.changed();
    // Dropped at the event, and read ahead again on the check phase after it.
    expect(state.told).toEqual([expect.objectContaining({ data: '{"read":1}\n' }), undefined]);
    await checkPhase();
    expect(state.reads).toBe(2);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.offered.map((changeSet) => changeSet.data)).toEqual(['{"read":2}\n']);
    expect(state.offered[0]).toBe(state.told[2]);
    expect(state.reads).toBe(2);
    state.reloader.stop();
  });

  it(`reads ahead ${AHEAD_READS} times in one window at most, then reads when the debounce ends`, async () => {
    const state = recording();
    for (let i = 0; i < 10; i++) {
      state.reloader.changed();
      await checkPhase();
    }
    expect(state.reads).toBe(AHEAD_READS);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.reads).toBe(AHEAD_READS + 1);
    expect(state.offered.map((changeSet) => changeSet.data)).toEqual([`{"read":${AHEAD_READS + 1}}\n`]);
    // The next window reads ahead again.
    state.reloader.changed();
    await checkPhase();
    expect(state.reads).toBe(AHEAD_READS + 2);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.reads).toBe(AHEAD_READS + 2);
    expect(state.offered).toHaveLength(2);
    state.reloader.stop();
  });

  it('reads ahead again when the watch moved after the read began (a change may not have been told)', async () => {
    const state = recording();
    state.reloader.changed();
    await checkPhase();
    state.reloader.recheck();
    await checkPhase();
    expect(state.reads).toBe(2);
    expect(state.told.map((changeSet) => changeSet?.data)).toEqual(['{"read":1}\n', undefined, '{"read":2}\n']);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.offered).toEqual([state.told[2]]);
    expect(state.reads).toBe(2);
    state.reloader.stop();
  });

  it('tells nothing of a blank read, a text that may be cut, or a failed read, and leaves them to the read when the debounce ends', async () => {
    for (const first of ['', 'port: 80', new Error('gone')]) {
      const state = recording();
      state.next.push(first);
      state.reloader.changed();
      await checkPhase();
      expect(state.reads).toBe(1);
      expect(state.told).toEqual([]);
      await vi.advanceTimersByTimeAsync(DEBOUNCE);
      expect(state.reads).toBe(2);
      expect(state.offered.map((changeSet) => changeSet.data)).toEqual(['{"read":2}\n']);
      // A failure read ahead is not reported: only the reads that decide are.
      expect(state.failed).toEqual([]);
      state.reloader.stop();
    }
  });

  it('reports a failure once, when the debounce ends', async () => {
    const state = recording();
    state.next.push(new Error('gone'), new Error('gone'));
    state.reloader.changed();
    await checkPhase();
    expect(state.failed).toEqual([]);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.reads).toBe(2);
    expect(state.failed).toHaveLength(1);
    state.reloader.stop();
  });

  it('reads again when the debounce ends if the file is no longer the one read ahead (a change not told yet)', async () => {
    let same = false;
    let reads = 0;
    const offered: string[] = [];
    const reloader = createReloader({
      debounce: DEBOUNCE,
      read: async () => createChangeSet('file:app.json', 'json', `{"read":${++reads}}\n`, 0),
      offer: (changeSet) => offered.push(changeSet.data as string),
      fail: () => {},
      ahead: () => {},
      unchanged: () => same,
    });
    reloader.changed();
    await checkPhase();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(reads).toBe(2);
    expect(offered).toEqual(['{"read":2}\n']);
    same = true;
    reloader.changed();
    await checkPhase();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(reads).toBe(3);
    expect(offered).toEqual(['{"read":2}\n', '{"read":3}\n']);
    reloader.stop();
  });

  it('reads nothing ahead at a debounce of 0, or for a target that does not hear of it', async () => {
    const immediate = recording(0);
    immediate.reloader.changed();
    await checkPhase();
    expect(immediate.reads).toBe(1);
    expect(immediate.told).toEqual([]);
    expect(immediate.offered).toHaveLength(1);
    immediate.reloader.stop();
    const deaf = recording(DEBOUNCE, false);
    deaf.reloader.changed();
    await checkPhase();
    expect(deaf.reads).toBe(0);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(deaf.reads).toBe(1);
    expect(deaf.offered).toHaveLength(1);
    deaf.reloader.stop();
  });

  it('reads nothing ahead while its target says it is not worth it (a file decoded on a thread)', async () => {
    let worth = false;
    let reads = 0;
    const told: (ChangeSet | undefined)[] = [];
    const offered: ChangeSet[] = [];
    const reloader = createReloader({
      debounce: DEBOUNCE,
      read: async () => createChangeSet('file:app.json', 'json', `{"read":${++reads}}`, Date.now()),
      offer: (changeSet) => offered.push(changeSet),
      fail: () => {},
      ahead: (changeSet) => told.push(changeSet),
      readsAhead: () => worth,
    });
    reloader.changed();
    await checkPhase();
    expect([reads, told.length]).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect([reads, offered.length]).toEqual([1, 1]);
    worth = true;
    reloader.changed();
    await checkPhase();
    expect([reads, told.length]).toEqual([2, 1]);
    reloader.stop();
  });

  it('offers nothing once stopped, and reads nothing queued ahead', async () => {
    const state = recording();
    state.reloader.changed();
    state.reloader.stop();
    await checkPhase();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(state.reads).toBe(0);
    expect(state.offered).toEqual([]);
  });

  it('does not offer what it read ahead over a read under way: that read is followed by one more', async () => {
    let release: (() => void) | undefined;
    let reads = 0;
    const offered: string[] = [];
    const reloader = createReloader({
      debounce: DEBOUNCE,
      read: async () => {
        const read = ++reads;
        // The first read (the one a watch makes once ready) hangs until released.
        if (read === 1) await new Promise<void>((resolve) => (release = resolve));
        return createChangeSet('file:app.json', 'json', `{"read":${read}}\n`, 0);
      },
      offer: (changeSet) => offered.push(changeSet.data as string),
      fail: () => {},
      ahead: () => {},
    });
    reloader.reload();
    reloader.changed();
    await checkPhase();
    expect(reads).toBe(2);
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    // Not offered: the read under way may end after it; the reload reads once more after that read.
    expect(offered).toEqual([]);
    release!();
    await vi.waitFor(() => expect(offered).toEqual(['{"read":1}\n', '{"read":3}\n']));
    reloader.stop();
  });
});

describe('a file source with a debounce', () => {
  it('reads a file of 1 MiB or less ahead, and not a larger one (decoded on a thread, it would gain one read)', async () => {
    for (const [size, expected] of [[1000, 1], [1_200_000, 0]] as const) {
      const dir = await tempDir();
      const path = join(dir, 'app.json');
      const text = (port: number) => JSON.stringify({ port, fill: 'x'.repeat(size) });
      await writeFile(path, text(1));
      let listener: FileListener | undefined;
      const watcher: FileWatcher = (_path, heard) => {
        listener = heard;
        return { ready: Promise.resolve(), close: async () => {} };
      };
      const source = watchedFileSource({ path, debounce: 300 }, watcher);
      const told: ChangeSet[] = [];
      const stop = (source as Source & ReadsAhead)[READ_AHEAD]((changeSet) => void (changeSet && told.push(changeSet)));
      const config = await createConfig({ sources: [source] });
      try {
        await vi.waitFor(() => expect(listener).toBeDefined());
        await writeFile(path, text(2));
        listener!.onChange();
        await vi.waitFor(() => expect(config.get('port').int(0)).toBe(2), { timeout: 10_000 });
        expect(told, `${size} bytes`).toHaveLength(expected);
      } finally {
        stop();
        await config.close();
      }
    }
  });

  it('publishes what the file holds when the debounce ends, not what it read ahead, when a change was not told yet', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, '{"port":1}');
    // A watcher the test drives: events are told only when the test says so.
    let listener: FileListener | undefined;
    const watcher: FileWatcher = (_path, heard) => {
      listener = heard;
      return { ready: Promise.resolve(), close: async () => {} };
    };
    const config = await createConfig({ sources: [watchedFileSource({ path, debounce: 40 }, watcher)] });
    try {
      await vi.waitFor(() => expect(listener).toBeDefined());
      const seen: number[] = [];
      config.on('change', () => seen.push(config.get('port').int(0)));
      await writeFile(path, '{"port":2}');
      listener!.onChange();
      await checkPhase();
      // Written again, larger, and not told (its event still on its way when the debounce ends): synchronously,
      // right after the read ahead, so the debounce cannot end in between.
      writeFileSync(path, '{"port":300}');
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5000 });
      expect(seen).toEqual([300]);
    } finally {
      await config.close();
    }
  });
});
