// A small file is read, and read again to be compared, in one read each: the read that would give nothing after a
// short one is not made, unless the file's size says the read did not reach its end.
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fileSource } from '../../src/sources/file.ts';
import { matchesFile, readRegularBytes } from '../../src/sources/read-file.ts';
import { tempDir } from '../helpers/files.ts';

const calls = vi.hoisted(() => ({ reads: 0, short: 0, stats: 0 }));
vi.mock('node:fs', async (original) => {
  const actual = await original<typeof import('node:fs')>();
  return {
    ...actual,
    readSync: ((fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position: number | null) => {
      calls.reads++;
      // A file system whose reads come back short before the end: at most `short` bytes a read when set.
      const asked = calls.short > 0 ? Math.min(length, calls.short) : length;
      return actual.readSync(fd, buffer, offset, asked, position);
    }) as typeof actual.readSync,
    statSync: ((...args: Parameters<typeof actual.statSync>) => {
      calls.stats++;
      return actual.statSync(...args);
    }) as typeof actual.statSync,
  };
});

describe('reads of a small file', () => {
  it('read it whole in one read, and compare it in one', async () => {
    const path = join(await tempDir(), 'app.json');
    const text = `{"key":"${'v'.repeat(30_000)}"}`;
    await writeFile(path, text);
    calls.reads = 0;
    const bytes = await readRegularBytes(path, 1 << 20);
    expect(bytes.toString()).toBe(text);
    expect(calls.reads).toBe(1);
    const fd = openSync(path, 'r');
    try {
      calls.reads = 0;
      expect(await matchesFile(path, bytes, fd)).toBe(true);
      expect(calls.reads).toBe(1);
      // One byte fewer expected: the byte past it is there, and the file does not match.
      expect(await matchesFile(path, bytes.subarray(0, bytes.byteLength - 1), fd)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it('read on to the end when reads come back short before it, and an empty file until a read gives nothing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    const text = `{"key":"${'v'.repeat(10_000)}"}`;
    await writeFile(path, text);
    calls.short = 4096;
    try {
      calls.reads = 0;
      const bytes = await readRegularBytes(path, 1 << 20);
      expect(bytes.toString()).toBe(text);
      // 10,010 bytes in reads of 4,096 at most: three reads, the last short at the end, and no fourth.
      expect(calls.reads).toBe(3);
      calls.reads = 0;
      expect(await matchesFile(path, bytes)).toBe(true);
      expect(calls.reads).toBe(3);
    } finally {
      calls.short = 0;
    }
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    calls.reads = 0;
    expect((await readRegularBytes(empty, 1 << 20)).byteLength).toBe(0);
    expect(calls.reads).toBe(1);
  });
});

describe('a file source reading a file changed in the last seconds', () => {
  it('reads it twice and looks at its path once, after both reads', async () => {
    const path = join(await tempDir(), 'app.json');
    const text = `{"key":"${'v'.repeat(30_000)}"}`;
    await writeFile(path, text);
    const source = fileSource(path);
    calls.reads = 0;
    calls.stats = 0;
    const changeSet = await source.read();
    expect(changeSet.data).toBe(text);
    // open, fstat, read, read again (compared), stat, close: the stat between the reads is not made.
    expect(calls.reads).toBe(2);
    expect(calls.stats).toBe(1);
    await source.close?.();
  });
});
