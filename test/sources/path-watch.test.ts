// A path watch closes the watch of a directory its chain left only after telling its owner: removing a watch can
// take the system a while, and the read the owner makes at once does not depend on it.
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { watchPath } from '../../src/sources/path-watch.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const watchers = vi.hoisted(() => new Map<string, { closed: boolean }>());
vi.mock('node:fs', async (original) => {
  const actual = await original<typeof import('node:fs')>();
  return {
    ...actual,
    watch: ((...args: Parameters<typeof actual.watch>) => {
      const watcher = actual.watch(...args);
      const state = { closed: false };
      watchers.set(String(args[0]), state);
      const close = watcher.close.bind(watcher);
      watcher.close = () => {
        state.closed = true;
        close();
      };
      return watcher;
    }) as typeof actual.watch,
  };
});

describe('a path watch whose chain leaves a directory', () => {
  it('tells its owner first, closes the directory watch on the same turn, and hears nothing more from it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await mkdir(join(dir, '..v0'));
    await writeFile(join(dir, '..v0', 'app.json'), '{}');
    await symlink('..v0', join(dir, '..data'));
    await symlink('..data/app.json', path);
    const old = join(dir, '..v0');
    const told: { oldClosed: boolean }[] = [];
    let closedOnTurn: boolean | undefined;
    const watch = watchPath(path, {
      onChange() {
        told.push({ oldClosed: watchers.get(old)?.closed ?? true });
        // The read of a debounce of 0 is queued here, on the check phase: the old watch is closed after it.
        setImmediate(() => void (closedOnTurn ??= watchers.get(old)?.closed));
      },
      onError: () => {},
    });
    try {
      expect(watchers.get(old)?.closed).toBe(false);
      await mkdir(join(dir, '..v1'));
      await writeFile(join(dir, '..v1', 'app.json'), '{}');
      await symlink('..v1', join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await eventually(() => expect(told.length).toBeGreaterThan(0));
      expect(told[0]).toEqual({ oldClosed: false });
      await eventually(() => expect(watchers.get(old)?.closed).toBe(true));
      expect(closedOnTurn).toBe(false);
      // Written after the swap, the old directory's file is no longer what the path reads.
      const heard = told.length;
      await writeFile(join(dir, '..v0', 'app.json'), '{"old":true}');
      await settle(100);
      expect(told.length).toBe(heard);
    } finally {
      watch.close();
    }
    expect(watchers.get(join(dir, '..v1'))?.closed).toBe(true);
  });
});
