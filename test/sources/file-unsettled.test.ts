// A file that never reads the same twice (as one rewritten at the same size in every tick of the file system's
// clock would): it is never published, the failure is told once, the next change that settles is read, and a
// closed source stops waiting for it. The second read is made to disagree, so no verdict rests on a race.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, createConfig, fileSource, type Config } from '../../src/index.ts';
import { eventually, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const reads = vi.hoisted(() => ({ agree: true, confirmations: 0 }));
vi.mock('../../src/sources/read-file.ts', async (original) => {
  const actual = await original<typeof import('../../src/sources/read-file.ts')>();
  return {
    ...actual,
    matchesFile: async (path: string, bytes: Uint8Array) => {
      reads.confirmations++;
      return reads.agree && (await actual.matchesFile(path, bytes));
    },
  };
});

const open: Config[] = [];
afterEach(async () => {
  reads.agree = true;
  await Promise.all(open.splice(0).map((config) => config.close()));
});

describe('a file that changes during every read', () => {
  it('is refused at start with a READ error naming the source, after twelve reads', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    reads.agree = false;
    reads.confirmations = 0;
    const error = await createConfig({ sources: [fileSource({ path, name: 'app' })] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'READ', source: 'app', message: expect.stringContaining('changed during every read') });
    expect(reads.confirmations).toBe(12);
  });

  it('keeps the last good value, tells the failure once, and publishes the next change that reads the same twice', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    open.push(config);
    await settle(150);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    reads.agree = false;
    reads.confirmations = 0;
    const failed = nextError(config);
    await writeFile(path, '{"port":2}');
    expect(await failed).toMatchObject({ code: 'READ' });
    await writeFile(path, '{"port":3}');
    await eventually(() => expect(reads.confirmations).toBeGreaterThanOrEqual(24));
    expect(config.get('port').int()).toBe(1);
    reads.agree = true;
    await writeFile(path, '{"port":4}');
    await eventually(() => expect(config.get('port').int()).toBe(4));
    expect(errors.map((error) => error.code)).toEqual(['READ']);
  });

  it('reads a file last changed over ten seconds ago once: its change time moves with any write', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    reads.agree = false;
    reads.confirmations = 0;
    // The clock a minute on: the file was last changed a minute ago.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    try {
      const source = fileSource(path);
      expect((await source.read()).data).toBe('{"port":1}');
      await source.close?.();
    } finally {
      clock.mockRestore();
    }
    expect(reads.confirmations).toBe(0);
  });

  it('stops waiting for the file once the source is closed', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"port":1}');
    const source = fileSource(path);
    reads.agree = false;
    reads.confirmations = 0;
    const read = source.read().catch((caught: unknown) => caught);
    // Six reads: the first five are made at once, the sixth after the first wait.
    await eventually(() => expect(reads.confirmations).toBeGreaterThanOrEqual(6));
    const atClose = reads.confirmations;
    await source.close?.();
    expect(await read).toMatchObject({ code: 'READ' });
    // The read under way when the source closed may end; no other is started, and no wait is left behind.
    expect(reads.confirmations).toBeLessThanOrEqual(atClose + 1);
    expect(reads.confirmations).toBeLessThan(12);
  });
});
