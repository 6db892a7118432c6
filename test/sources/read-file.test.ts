// matchesFile: the second read that confirms a file changed in the last seconds was read whole, from one version.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/index.ts';
import { matchesFile, readRegularBytes, withRegularFile } from '../../src/sources/read-file.ts';
import { tempDir } from '../helpers/files.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('matchesFile', () => {
  it('matches only the same bytes: not one changed, one more or one fewer', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"first":"1","last":"1"}');
    expect(await matchesFile(path, bytes('{"first":"1","last":"1"}'))).toBe(true);
    expect(await matchesFile(path, bytes('{"first":"1","last":"2"}'))).toBe(false);
    expect(await matchesFile(path, bytes('{"first":"1","last":"1"} '))).toBe(false);
    expect(await matchesFile(path, bytes('{"first":"1","last":"1'))).toBe(false);
    // A view into a larger buffer is compared from its own offset.
    const view = bytes('xx{"first":"1","last":"1"}yy').subarray(2, 26);
    expect(await matchesFile(path, view)).toBe(true);
  });

  it('compares a large file chunk by chunk, to its last byte, read synchronously or not', async () => {
    const dir = await tempDir();
    for (const size of [64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 3 * 64 * 1024 + 5]) {
      const path = join(dir, `big-${size}.json`);
      const content = Buffer.alloc(size, 'a');
      await writeFile(path, content);
      expect(await matchesFile(path, content)).toBe(true);
      for (const at of [0, 64 * 1024 - 2, size - 1]) {
        const other = Buffer.from(content);
        other[at] = 0x62;
        expect(await matchesFile(path, other)).toBe(false);
      }
    }
  });

  it('reads a file it is given open again from its start, whatever its offset and whatever the path leads to now', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, '{"first":"1","last":"1"}');
    const fd = openSync(path, 'r');
    try {
      readSync(fd, Buffer.alloc(5), 0, 5, null);
      await writeFile(join(dir, 'other.json'), '{"first":"2","last":"2"}');
      renameSync(join(dir, 'other.json'), path);
      expect(await matchesFile(path, bytes('{"first":"1","last":"1"}'), fd)).toBe(true);
      expect(await matchesFile(path, bytes('{"first":"2","last":"2"}'), fd)).toBe(false);
      expect(await matchesFile(path, bytes('{"first":"2","last":"2"}'))).toBe(true);
      expect(await matchesFile(path, bytes('{"first":"1","last":"1"'), fd)).toBe(false);
      expect(await matchesFile(path, bytes('{"first":"1","last":"1"} '), fd)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it('gives each of several comparisons made at once its own answer (small files share one chunk, large ones not)', async () => {
    const dir = await tempDir();
    for (const size of [100, 1024 * 1024 + 100]) {
      const a = Buffer.alloc(size, 'a');
      const b = Buffer.alloc(size, 'b');
      await writeFile(join(dir, 'a.json'), a);
      await writeFile(join(dir, 'b.json'), b);
      const fd = openSync(join(dir, 'b.json'), 'r');
      try {
        const answers = await Promise.all([
          matchesFile(join(dir, 'a.json'), a),
          matchesFile(join(dir, 'b.json'), b, fd),
          matchesFile(join(dir, 'a.json'), b),
          matchesFile(join(dir, 'b.json'), a, fd),
        ]);
        expect(answers).toEqual([true, true, false, false]);
      } finally {
        closeSync(fd);
      }
    }
  });

  it('matches nothing at a path that is missing, a directory or a FIFO, and an empty file matches no bytes', async () => {
    const dir = await tempDir();
    expect(await matchesFile(join(dir, 'missing.json'), bytes('{}'))).toBe(false);
    expect(await matchesFile(dir, bytes(''))).toBe(false);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await matchesFile(fifo, bytes(''))).toBe(false);
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    expect(await matchesFile(empty, bytes(''))).toBe(true);
    expect(await matchesFile(empty, bytes('{}'))).toBe(false);
  });
});

describe('reading a file', () => {
  it('leaves no file open when it fails: not regular, too large, missing, or failing while the file is open', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'dir'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await writeFile(join(dir, 'big.json'), `{"a":"${'x'.repeat(5000)}"}`);
    await writeFile(join(dir, 'app.json'), '{"a":1}');
    const failures: (() => Promise<unknown>)[] = [
      () => readRegularBytes(join(dir, 'dir'), 100),
      () => readRegularBytes(join(dir, 'fifo'), 100),
      () => readRegularBytes(join(dir, 'big.json'), 100),
      () => readRegularBytes(join(dir, 'missing.json'), 100),
      () => withRegularFile(join(dir, 'app.json'), 100, () => Promise.reject(new Error('failed while open'))),
      () => fileSource({ path: join(dir, 'dir'), format: 'json' }).read(),
      () => fileSource(join(dir, 'big.json')).read(undefined, { maxBytes: 100 }),
    ];
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (const fail of failures) await expect(fail()).rejects.toThrow();
    expect(open()).toBe(before);
  });
});
