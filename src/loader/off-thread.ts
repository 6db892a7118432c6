import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import type { Environment } from '../reader/expand.ts';
import type { Tree } from '../reader/tree.ts';
import type { DecodeLimits } from './decode-text.ts';
import type { WorkerAnswer, WorkerRequest } from './decode-worker.ts';
import { createTreeBuilder, type TreeBuilder } from './tree-chunks.ts';

/**
 * Documents this large or larger are decoded off the event loop (bytes). Below it, the costliest shapes (YAML keys
 * and aliases) hold the event loop for a few hundred milliseconds at most; above it, the copy to the thread and the
 * hand-back cost the event loop far less than the decode they move off it (`test/reliability/event-loop.ts`).
 */
const OFF_THREAD_BYTES = 256 * 1024;

/** The same for JSON, which the engine parses several times faster than the other formats are parsed. */
const OFF_THREAD_JSON_BYTES = 1024 * 1024;

/** Whether a document of a built-in format and size is decoded on the thread. */
export function decodesOffThread(format: string, size: number): boolean {
  return size >= (format.toLowerCase() === 'json' ? OFF_THREAD_JSON_BYTES : OFF_THREAD_BYTES);
}

/** About how much JSON text one chunk of a tree handed back holds. */
const CHUNK_SIZE = 64 * 1024;

/** How many chunks may be on their way at once: the most the event loop takes in at one turn (256 KiB of text). */
const CHUNKS_AHEAD = 4;

/** How long one document may take to decode before its thread is stopped and the document refused (ms). */
export const DECODE_TIMEOUT = 120_000;

/**
 * What the decoding thread's heap may grow to (MiB): a parser's own structures for a 16 MiB document of the
 * costliest shapes stay below it; past it, the thread is stopped and the document refused, never the process.
 */
const THREAD_HEAP_MB = 2048;

interface Job {
  readonly id: number;
  readonly builder: TreeBuilder;
  readonly timer: NodeJS.Timeout;
  resolve(tree: Tree): void;
  reject(error: ConfigError): void;
}

// One thread for the process, started on first use and shared by every config: a thread costs megabytes and tens
// of milliseconds to start, and documents this large are rare. It never keeps the process alive while idle, and a
// thread that failed, ran out of memory or took too long is stopped and replaced by a new one at the next use.
let thread: Worker | undefined;
let current: Job | undefined;
let ids = 0;
let queue: Promise<unknown> = Promise.resolve();

function startThread(): Worker {
  const here = import.meta.url;
  const options = { resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } };
  // From the sources (tests, tsx), the thread runs the TypeScript entry through tsx's loader (its `tsx/esm/api`
  // export for `import`, which `require.resolve` would not pick); from the package, the bundled entry beside the
  // bundle.
  const worker = here.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(here).resolve('tsx/package.json'))).href)})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./decode-worker.ts', here).href)}); })`,
        { ...options, eval: true },
      )
    : new Worker(new URL('./decode-worker.cjs', here), options);
  worker.unref();
  worker.on('message', (answer: WorkerAnswer) => {
    const job = current;
    if (!job || answer.id !== job.id) return;
    if (answer.type === 'error') {
      const { detail, code, line, column, path } = answer.error;
      finish(job, () => job.reject(new ConfigError(detail, { code, path, position: line === undefined ? undefined : { line, column: column ?? 1 } })));
      return;
    }
    try {
      job.builder.apply(answer.ops);
    } catch (error) {
      stopThread(new ConfigError(`the decoded data could not be taken in (${(error as Error).name})`, { code: 'DECODE' }));
      return;
    }
    if (answer.done) finish(job, () => job.resolve(job.builder.tree));
    else worker.postMessage({ type: 'next', id: job.id } satisfies WorkerRequest);
  });
  worker.on('error', (error: Error & { code?: string }) => {
    const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
    stopThread(
      outOfMemory
        ? new ConfigError(`decoding the document needs more than ${THREAD_HEAP_MB} MiB of memory`, { code: 'LIMIT' })
        : new ConfigError(`the decoding thread failed (${error.name})`, { code: 'DECODE' }),
    );
  });
  worker.on('exit', () => {
    if (thread === worker) stopThread(new ConfigError('the decoding thread stopped', { code: 'DECODE' }));
  });
  return worker;
}

/** Ends a job: the thread no longer keeps the process alive, and the job's promise settles. */
function finish(job: Job, settle: () => void): void {
  clearTimeout(job.timer);
  if (current === job) current = undefined;
  thread?.unref();
  settle();
}

/** Stops the thread (it is started again at the next use) and fails the document it was decoding. */
function stopThread(error: ConfigError): void {
  const worker = thread;
  thread = undefined;
  if (worker) void worker.terminate();
  const job = current;
  if (job) finish(job, () => job.reject(error));
}

/** Decodes one document on the thread, once the thread is free. */
function run(format: string, data: string | Uint8Array, limits: DecodeLimits, env: Environment | undefined, timeout: number): Promise<Tree> {
  return new Promise<Tree>((resolve, reject) => {
    const worker = (thread ??= startThread());
    const timer = setTimeout(
      () => stopThread(new ConfigError(`decoding the document took longer than ${timeout / 1000} s`, { code: 'LIMIT' })),
      timeout,
    );
    const job: Job = { id: ++ids, builder: createTreeBuilder(), timer, resolve, reject };
    current = job;
    // While a document is decoding, the thread keeps the process alive: `await createConfig(…)` must not end the
    // process with the decode still under way.
    worker.ref();
    // Only the environment's own strings travel: `${VAR}` reads nothing else.
    const variables = env ? Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : undefined;
    worker.postMessage({ type: 'decode', id: job.id, format, data, limits, env: variables, chunkSize: CHUNK_SIZE, ahead: CHUNKS_AHEAD } satisfies WorkerRequest);
  });
}

/**
 * Decodes a document of a built-in format (its text, or its UTF-8 bytes, which cost less to copy to the thread) on
 * the decoding thread, as `decodeText` would on the event loop. The tree comes back in chunks, so the event loop is
 * never held for more than one chunk at a time. Documents are decoded one at a time, in the order asked; one that
 * takes longer than `timeout` ms is refused (LIMIT) and its thread replaced.
 */
export function decodeOffThread(
  format: string,
  data: string | Uint8Array,
  limits: DecodeLimits,
  env: Environment | undefined,
  timeout = DECODE_TIMEOUT,
): Promise<Tree> {
  const result = queue.then(() => run(format, data, limits, env, timeout));
  queue = result.catch(() => undefined);
  return result;
}
