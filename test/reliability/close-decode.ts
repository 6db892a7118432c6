// How long `close()` takes while a 16 MiB YAML file decodes on the thread, and when that thread is gone: the file is
// rewritten under a config that follows it (or, with `--sync`, read again by `sync()`), and `close()` is called
// 100 ms after the document is handed to its thread. Times are wall clock, from that hand-over. Figures only, no
// verdict (the verdicts are in test/loader/close-decode.test.ts).
//
//   node --import tsx test/reliability/close-decode.ts [--sync] [--package] [runs]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as sources from '../../src/index.ts';

const args = process.argv.slice(2);
const bySync = args.includes('--sync');
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 3);
// A specifier in a variable: the package is built on demand, and its types are the sources'.
const built = new URL('../../dist/index.mjs', import.meta.url).href;
const { createConfig, fileSource } = args.includes('--package') ? ((await import(built)) as typeof sources) : sources;
const post = Worker.prototype.postMessage;

/** One run: the time `close()` took to resolve and the time until the thread exited, both from the hand-over (ms). */
async function once(): Promise<{ closed: number; gone: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'microconf-close-'));
  const path = join(dir, 'doc.yaml');
  await writeFile(path, 'a: small\n');
  const config = await createConfig({ sources: [fileSource({ path, debounce: 0, watch: !bySync })] });
  try {
    return await new Promise((resolve, reject) => {
      Worker.prototype.postMessage = function (this: Worker, ...given: Parameters<Worker['postMessage']>) {
        post.apply(this, given);
        if ((given[0] as { type?: string } | undefined)?.type !== 'decode') return;
        Worker.prototype.postMessage = post;
        const start = performance.now();
        const exited = new Promise<number>((done) => this.once('exit', () => done(performance.now() - start)));
        setTimeout(() => {
          config
            .close()
            .then(async () => {
              const closed = performance.now() - start;
              // A thread kept for the next document never exits by itself: it counts as not gone within 10 s.
              const gone = await Promise.race([exited, new Promise<number>((done) => setTimeout(() => done(Number.NaN), 10_000).unref())]);
              resolve({ closed, gone });
            })
            .catch(reject);
        }, 100);
      };
      const rewrite = writeFile(path, `a: ${'b'.repeat(16 * 1024 * 1024 - 4096)}`);
      if (bySync) void rewrite.then(() => config.sync().catch(() => undefined));
    });
  } finally {
    Worker.prototype.postMessage = post;
    await config.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (let i = 0; i < runs; i++) {
  const { closed, gone } = await once();
  console.log(`[close] ${bySync ? 'sync()' : 'watch'}: close() resolved ${closed.toFixed(0)} ms after the hand-over, thread gone at ${Number.isNaN(gone) ? 'not within 10 s' : `${gone.toFixed(0)} ms`}`);
}
console.log(`[close] load average ${(await import('node:os')).loadavg().map((n) => n.toFixed(1)).join(' ')}`);
