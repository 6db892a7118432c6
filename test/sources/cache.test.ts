import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheWriter, readCache } from '../../src/sources/cache.ts';
import { tempDir } from '../helpers/files.ts';

describe('the last-known-good cache file', () => {
  it('ends a burst of changes holding the latest, owner-readable, with no temporary file left', async () => {
    const dir = await tempDir();
    const path = join(dir, 'cache.json');
    const writer = cacheWriter(path);
    for (let i = 0; i < 200; i++) writer.save({ n: i });
    await writer.flush();
    expect((await readCache(path))?.tree).toEqual({ n: 199 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['cache.json']);
  });

  it('does not rewrite the file for a layer equal to the one written', async () => {
    const path = join(await tempDir(), 'cache.json');
    const writer = cacheWriter(path);
    writer.save({ a: { b: 1 } });
    await writer.flush();
    const first = await stat(path);
    await new Promise((resolve) => setTimeout(resolve, 30));
    writer.save({ a: { b: 1 } });
    await writer.flush();
    expect((await stat(path)).mtimeMs).toBe(first.mtimeMs);
    writer.save({ a: { b: 2 } });
    await writer.flush();
    expect((await stat(path)).mtimeMs).toBeGreaterThan(first.mtimeMs);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ a: { b: 2 } });
  });

  it('reads nothing from a missing or damaged cache', async () => {
    const dir = await tempDir();
    expect(await readCache(join(dir, 'missing.json'))).toBeUndefined();
    const writer = cacheWriter(join(dir, 'sub', 'cache.json'));
    writer.save({ a: 1 });
    await writer.flush(); // the directory does not exist: the write fails quietly
    expect(await readCache(join(dir, 'sub', 'cache.json'))).toBeUndefined();
  });
});
