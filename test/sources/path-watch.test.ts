// A path watch tells its owner of an event before it looks at the chain again (the owner's read opens the path as
// the system resolves it), then moves its watches and says so; it closes the watch of a directory its chain left
// only after that: removing a watch can take the system a while, and the read the owner makes does not depend on it.
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { watchPath } from '../../src/sources/path-watch.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const watchers = vi.hoisted(() => new Map<string, { closed: boolean }>());
const calls = vi.hoisted(() => ({ lstat: 0 }));
vi.mock('node:fs', async (original) => {
  const actual = await original<typeof import('node:fs')>();
  return {
    ...actual,
    lstatSync: ((...args: Parameters<typeof actual.lstatSync>) => {
      calls.lstat++;
      return actual.lstatSync(...args);
    }) as typeof actual.lstatSync,
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
      onMoved: () => {},
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

/** A ConfigMap volume's layout in a new directory: app.json -> ..data/app.json, ..data -> ..v0. */
async function dataVolume(): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = join(dir, 'app.json');
  await mkdir(join(dir, '..v0'));
  await writeFile(join(dir, '..v0', 'app.json'), '{}');
  await symlink('..v0', join(dir, '..data'));
  await symlink('..data/app.json', path);
  return { dir, path };
}

describe('a path watch told of an event', () => {
  it('tells its owner of a `..data` swap before looking at anything, then moves its watch and says so once', async () => {
    const { dir, path } = await dataVolume();
    const told: string[] = [];
    const watch = watchPath(path, {
      onChange() {
        // Nothing was looked at before the owner heard of it; what the owner writes now, before the new directory is
        // watched, is not heard as a change of its own, but the move that follows is.
        told.push(`change after ${calls.lstat} lstat calls`);
        if (told.length === 1) writeFileSync(join(dir, '..v1', 'app.json'), '{"a":2}');
      },
      onMoved: () => told.push('moved'),
      onError: () => {},
    });
    try {
      await mkdir(join(dir, '..v1'));
      await writeFile(join(dir, '..v1', 'app.json'), '{"a":1}');
      await symlink('..v1', join(dir, '..data_tmp'));
      await settle(100);
      calls.lstat = 0;
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await eventually(() => expect(told).toContain('moved'));
      await settle(100);
      expect(told).toEqual(['change after 0 lstat calls', 'moved']);
      // The new directory is watched now.
      await writeFile(join(dir, '..v1', 'app.json'), '{"a":3}');
      await eventually(() => expect(told.length).toBeGreaterThan(2));
      expect(told.slice(2).every((each) => each.startsWith('change'))).toBe(true);
    } finally {
      watch.close();
    }
  });

  it('tells its owner of a file renamed over the path before looking at it, and moves nothing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, '{}');
    const told: string[] = [];
    const watch = watchPath(path, {
      onChange: () => told.push(`change after ${calls.lstat} lstat calls`),
      onMoved: () => told.push('moved'),
      onError: () => {},
    });
    try {
      await writeFile(join(dir, 'app.json.tmp'), '{"a":1}');
      await settle(100);
      calls.lstat = 0;
      await rename(join(dir, 'app.json.tmp'), path);
      await eventually(() => expect(told.length).toBe(1));
      await settle(100);
      expect(told).toEqual(['change after 0 lstat calls']);
      // Looked at once afterwards: still a file, so the chain stays as it was.
      expect(calls.lstat).toBe(1);
    } finally {
      watch.close();
    }
  });

  it('closes the watch of its directory removed only after the read its owner queued', async () => {
    const conf = join(await tempDir(), 'conf');
    await mkdir(conf);
    await writeFile(join(conf, 'app.json'), '{}');
    const onTurn: boolean[] = [];
    let moved = 0;
    const watch = watchPath(join(conf, 'app.json'), {
      onChange() {
        onTurn.push(watchers.get(conf)?.closed ?? true);
        // Where a read at debounce 0 is queued: the directory's watch is still open then.
        setImmediate(() => onTurn.push(watchers.get(conf)?.closed ?? true));
      },
      onMoved: () => void moved++,
      onError: () => {},
    });
    try {
      // At once, so that its events come together.
      rmSync(conf, { recursive: true });
      await eventually(() => expect(watchers.get(conf)?.closed).toBe(true));
      await settle(100);
      expect(onTurn.length).toBeGreaterThan(1);
      expect(onTurn.slice(0, 2)).toEqual([false, false]);
      // Made again, the directory is watched anew: its file is heard.
      await mkdir(conf);
      const heard = onTurn.length;
      await writeFile(join(conf, 'app.json'), '{"a":1}');
      await eventually(() => expect(onTurn.length).toBeGreaterThan(heard));
    } finally {
      watch.close();
    }
  });
});
