// close() and a document decoding on the thread: the decode is ended, not waited for (a 16 MiB YAML document takes
// seconds), and the thread that was decoding it is gone when close() resolves.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConfig, fileSource, type Config } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';

const MiB = 1024 * 1024;

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Calls `whenDecoding` with the thread a document was just handed to, in the same turn: the thread cannot have
 * answered yet, so its decode is in progress.
 */
function onDecode(whenDecoding: (thread: Worker) => void): void {
  const post = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
    post.apply(this, args);
    if ((args[0] as { type?: string } | undefined)?.type === 'decode') whenDecoding(this);
  });
}

describe('close() during a decode on the thread', () => {
  // 8 MiB: under the size whose thread is stopped after its document, so nothing but the close stops it.
  const document = (fill: string) => `a: ${fill.repeat(8 * MiB)}`;

  it('ends the decode of a reload: the thread is gone when close() resolves, and nothing is published', async () => {
    const path = join(await tempDir(), 'large.yaml');
    await writeFile(path, 'a: small\n');
    const config = await createConfig({ sources: [fileSource({ path, watch: false })] });
    let closing: Promise<void> | undefined;
    let decoding: Worker | undefined;
    onDecode((thread) => {
      decoding = thread;
      closing = config.close();
    });
    await writeFile(path, document('b'));
    await config.sync().catch(() => undefined);
    expect(closing).toBeDefined();
    await closing;
    expect(decoding!.threadId).toBe(-1);
    expect(config.get('a').string()).toBe('small');
  });

  it('ends the decode of a watched file the same way', async () => {
    const path = join(await tempDir(), 'large.yaml');
    await writeFile(path, 'a: small\n');
    const config: Config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    const closed = new Promise<Worker>((resolve) => {
      onDecode((thread) => {
        void config.close().then(() => resolve(thread));
      });
    });
    await writeFile(path, document('c'));
    expect((await closed).threadId).toBe(-1);
    expect(config.get('a').string()).toBe('small');
  });
});
