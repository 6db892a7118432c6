// Resolving a path again after its watches moved: only what was not watched when it was looked at is looked at again.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveChain, type EntryKind, type PathSystem } from '../../src/sources/path-chain.ts';
import { watchPath } from '../../src/sources/path-watch.ts';
import { roundLookups } from '../../src/sources/round-lookups.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const counts = vi.hoisted(() => ({ lstat: 0 }));
vi.mock('node:fs', async (original) => {
  const actual = await original<typeof import('node:fs')>();
  return {
    ...actual,
    lstatSync: ((...args: Parameters<typeof actual.lstatSync>) => {
      counts.lstat++;
      return actual.lstatSync(...args);
    }) as typeof actual.lstatSync,
  };
});

/** A system answering every path as a file (links: those named in `links`), counting what it is asked. */
function countingSystem(links: Record<string, string> = {}) {
  const asked: string[] = [];
  const system: PathSystem = {
    lstat(path): EntryKind {
      asked.push(`lstat ${path}`);
      return { kind: path in links ? 'link' : 'file', identity: '0:1' };
    },
    readlink(path) {
      asked.push(`readlink ${path}`);
      return links[path];
    },
  };
  return { system, asked };
}

describe('roundLookups', () => {
  it('asks the system everything in the first round, and once per round for the same path', () => {
    const { system, asked } = countingSystem({ '/d/link': 'f' });
    const lookups = roundLookups(system, () => -1);
    lookups.system.lstat('/d/f');
    lookups.system.lstat('/d/f');
    lookups.system.readlink('/d/link');
    lookups.system.readlink('/d/link');
    expect(asked).toEqual(['lstat /d/f', 'readlink /d/link']);
  });

  it('looks again, in a later round, only at the entries of directories watched since they were looked at', () => {
    const { system, asked } = countingSystem({ '/old/link': '/new/f' });
    // /old watched before the first round; /new watched from round 0 on (after its entries were looked at); /none never.
    const watched: Record<string, number> = { '/old': -1, '/new': 0 };
    const lookups = roundLookups(system, (directory) => watched[directory]);
    for (const path of ['/old/f', '/new/f', '/none/f']) lookups.system.lstat(path);
    lookups.system.readlink('/old/link');
    lookups.nextRound();
    asked.length = 0;
    for (const path of ['/old/f', '/new/f', '/none/f']) lookups.system.lstat(path);
    lookups.system.readlink('/old/link');
    // /none is not watched: looking again now would not see a change made just after either.
    expect(asked).toEqual(['lstat /new/f']);
    // Round 2: /new's entry was looked at in round 1, under its watch from round 0; /old's is still the round 0 answer.
    lookups.nextRound();
    asked.length = 0;
    for (const path of ['/old/f', '/new/f', '/none/f']) lookups.system.lstat(path);
    expect(asked).toEqual([]);
    // A directory watched anew (its watch reopened in round 2) has its entries looked at again.
    watched['/old'] = 2;
    lookups.nextRound();
    asked.length = 0;
    lookups.system.lstat('/old/f');
    lookups.system.readlink('/old/link');
    expect(asked).toEqual(['lstat /old/f', 'readlink /old/link']);
  });

  it('starts at the round it is given', () => {
    const { system, asked } = countingSystem();
    const lookups = roundLookups(system, () => 1, 2);
    lookups.system.lstat('/d/f');
    lookups.nextRound();
    lookups.system.lstat('/d/f');
    expect(asked).toEqual(['lstat /d/f']);
  });
});

describe('a path watch after a `..data` link is swapped to a new directory', () => {
  it('looks again only at the entries of the new directory, not at the links it watched nor the directories above', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await mkdir(join(dir, '..v0'));
    await writeFile(join(dir, '..v0', 'app.json'), '{}');
    await symlink('..v0', join(dir, '..data'));
    await symlink('..data/app.json', path);
    let changes = 0;
    const watch = watchPath(path, { onChange: () => void changes++, onMoved: () => {}, onError: () => {} });
    try {
      await mkdir(join(dir, '..v1'));
      await writeFile(join(dir, '..v1', 'app.json'), '{}');
      await symlink('..v1', join(dir, '..data_tmp'));
      await settle(100);
      counts.lstat = 0;
      changes = 0;
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await eventually(() => expect(changes).toBeGreaterThan(0));
      await settle(100);
      expect(changes).toBe(1);
      const swap = counts.lstat;
      // What one resolution of the whole path costs, as the swap left it.
      const real: PathSystem = {
        lstat(entry) {
          const found = lstatSync(entry, { throwIfNoEntry: false });
          if (found === undefined) return undefined;
          return { kind: found.isSymbolicLink() ? 'link' : found.isDirectory() ? 'directory' : 'file', identity: `${found.dev}:${found.ino}` };
        },
        readlink: (entry) => readlinkSync(entry),
      };
      counts.lstat = 0;
      expect(resolveChain(path, real).target).toBe(join(realpathSync(dir), '..v1', 'app.json'));
      const whole = counts.lstat;
      // Resolved whole once, then again for the watch of `..v1` added meanwhile: only `..v1/app.json` is looked at
      // again (14 lstat calls in all before, two whole resolutions).
      expect(swap).toBe(whole + 1);
    } finally {
      watch.close();
    }
  });
});
