import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { MessagePort, Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import { closedError } from './closed.ts';
import { onFirstUse } from '../on-first-use.ts';
import type { Environment } from '../reader/expand.ts';
import type { Tree } from '../reader/tree.ts';
import type { DecodeLimits } from './decode-text.ts';
import type { WorkerAnswer, WorkerRequest } from './decode-worker.ts';
import { keepsThread, sameLimits, threadLimits, type ThreadLimits } from './thread-limits.ts';
import { createTreeBuilder, type ChunkOp, type TreeBuilder } from './tree-chunks.ts';

/**
 * Documents this large or larger are decoded off the event loop (bytes). Below it, the costliest shapes (YAML keys
 * and aliases) hold the event loop for a few hundred milliseconds at most; above it, the copy to the thread and the
 * hand-back cost the event loop far less than the decode they move off it (`test/reliability/event-loop.ts`).
 */
const OFF_THREAD_BYTES = 256 * 1024;

/**
 * The same for JSON, which the engine parses several times faster than the other formats are parsed: just under
 * it, the costliest shape (an object of keys) holds the event loop about as long as the costliest YAML and TOML just
 * under theirs (70 ms of the loop's CPU against 70–120 ms, `test/reliability/event-loop.ts`), while a 333 kB document
 * stays on the event loop, decoded in a third of the time the thread's round trip takes (11 ms against 27–30 ms).
 */
const OFF_THREAD_JSON_BYTES = 512 * 1024;

/** Whether a document of a built-in format and size is decoded on the thread. */
export function decodesOffThread(format: string, size: number): boolean {
  return size >= (format.toLowerCase() === 'json' ? OFF_THREAD_JSON_BYTES : OFF_THREAD_BYTES);
}

/** About how much JSON text one chunk of a tree handed back holds. */
const CHUNK_SIZE = 64 * 1024;

/**
 * How many chunks may be on their way at once, so that the thread cuts the next while the event loop takes one in
 * (one a turn, see `takeChunk`).
 */
const CHUNKS_AHEAD = 4;

/** A tree taken in from its chunks, and a promise that settles once its thread is gone, when it was stopped after it. */
interface Decoded {
  readonly builder: TreeBuilder;
  readonly ended: Promise<unknown>;
}

/** How long one document may take to decode before its thread is stopped and the document refused (ms). */
export const DECODE_TIMEOUT = 120_000;

interface Job {
  readonly id: number;
  readonly builder: TreeBuilder;
  /** Chunks come but not yet taken in, oldest first (see `takeChunk`). */
  readonly chunks: Extract<WorkerAnswer, { type: 'chunk' }>[];
  readonly timer: NodeJS.Timeout;
  resolve(decoded: Decoded): void;
  reject(error: ConfigError): void;
}

/**
 * One decoding thread and the memory limits it was started with, whether a document holds it, and the job of the
 * document it is decoding.
 */
interface Lane {
  worker: Worker | undefined;
  limits: ThreadLimits | undefined;
  busy: boolean;
  job: Job | undefined;
}

/**
 * How many threads decode at once: the documents of one load (a default and an environment's file) decode side by
 * side rather than one after the other; more would only contend for the cores the event loop needs too.
 */
const THREADS = 2;

// Threads for the process, each started on first use and shared by every config: a thread costs 7–9 MiB and about
// 0.1 s of CPU to start (bundled; measured), and documents this large are rare. A thread never keeps the process alive while idle,
// and one that failed, ran out of memory or took too long is stopped and replaced by a new one at the next use. Its
// memory is limited for the document it decodes (`threadLimits`): one whose limits are not the next document's is
// replaced by a thread started with that document's, so a small document never has a large one's allowance.
const lanes: Lane[] = Array.from({ length: THREADS }, () => ({ worker: undefined, limits: undefined, busy: false, job: undefined }));
/** Documents waiting for a thread, first asked first served. */
const waiting: ((lane: Lane) => void)[] = [];
let ids = 0;
// Loaded with the first large document, not when microconf is imported.
const workerThreads = onFirstUse<typeof import('node:worker_threads')>('node:worker_threads');

function startThread(lane: Lane, limits: ThreadLimits): Worker {
  const { Worker } = workerThreads();
  const here = import.meta.url;
  const options = { resourceLimits: { ...limits } };
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
    const job = lane.job;
    if (!job || answer.id !== job.id) return;
    if (answer.type === 'error') {
      const { detail, code, line, column, path } = answer.error;
      finish(lane, job, () => job.reject(new ConfigError(detail, { code, path, position: line === undefined ? undefined : { line, column: column ?? 1 } })));
      return;
    }
    job.chunks.push(answer);
    if (job.chunks.length === 1) setImmediate(() => takeChunk(lane, worker, job));
  });
  worker.on('error', (error: Error & { code?: string }) => {
    if (lane.worker !== worker) return;
    const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
    stopThread(
      lane,
      outOfMemory
        ? new ConfigError(
            `decoding the document needs more memory than the ${limits.maxOldGenerationSizeMb} MiB of heap allowed for a document of its size`,
            { code: 'LIMIT' },
          )
        : new ConfigError(`the decoding thread failed (${error.name})`, { code: 'DECODE' }),
    );
  });
  worker.on('exit', () => {
    if (lane.worker === worker) stopThread(lane, new ConfigError('the decoding thread stopped', { code: 'DECODE' }));
  });
  return worker;
}

/**
 * Takes in a job's oldest chunk, one a turn of the event loop, and asks the thread for one more. The port hands over,
 * in one step of the event loop, every message that came while it was handing them over: taken in as they came, the
 * chunks of a whole tree were one step whenever the thread kept up (a MiB of TOML keys: 400 ms under load).
 */
function takeChunk(lane: Lane, worker: Worker, job: Job): void {
  // A job stopped meanwhile (its thread failed, timed out or was abandoned) takes nothing more in.
  if (lane.job !== job) return;
  const answer = job.chunks.shift()!;
  try {
    job.builder.apply('text' in answer ? (JSON.parse(answer.text) as ChunkOp[]) : answer.ops);
  } catch (error) {
    stopThread(lane, new ConfigError(`the decoded data could not be taken in (${(error as Error).name})`, { code: 'DECODE' }));
    return;
  }
  if (answer.done) {
    finish(lane, job, (ended) => job.resolve({ builder: job.builder, ended }));
    return;
  }
  worker.postMessage({ type: 'next', id: job.id } satisfies WorkerRequest);
  if (job.chunks.length > 0) setImmediate(() => takeChunk(lane, worker, job));
}

/**
 * Ends a job: its thread no longer keeps the process alive and takes the next document, and the job's promise
 * settles. A thread started for a document above the heap floor is stopped instead: its heap still holds what the
 * decode left (the text, the parse: twice the document, until a collection that an idle thread never runs), which a
 * reload of the same size would find there beside its own (16 MiB of JSON in one string, loaded then reloaded: a peak
 * of 10.7× its size on a kept thread, 8.9× on a new one).
 */
function finish(lane: Lane, job: Job, settle: (ended: Promise<unknown>) => void): void {
  clearTimeout(job.timer);
  let ended: Promise<unknown> = Promise.resolve();
  if (lane.job === job) {
    lane.job = undefined;
    if (lane.limits && !keepsThread(lane.limits)) ended = endThread(lane);
    else lane.worker?.unref();
    releaseLane(lane);
  }
  settle(ended);
}

/**
 * Stops a lane's thread, if it has one (it is started again at the next use); its job, if any, is left as it is.
 * The promise settles once the thread is gone.
 */
function endThread(lane: Lane): Promise<unknown> {
  const worker = lane.worker;
  lane.worker = undefined;
  lane.limits = undefined;
  // A failure to stop is a thread already stopped.
  return worker ? worker.terminate().catch(() => undefined) : Promise.resolve();
}

/** Stops a lane's thread and fails the document it was decoding. */
function stopThread(lane: Lane, error: ConfigError): void {
  void endThread(lane);
  const job = lane.job;
  if (job) finish(lane, job, () => job.reject(error));
}

/**
 * Takes a lane for a document: at once when one is free, else the first to be released; a document whose signal
 * aborts meanwhile leaves the queue (CLOSED).
 */
function takeLane(signal: AbortSignal | undefined): Promise<Lane> {
  // Taken here, not when the document reaches it: a document asked for in the same turn must find it held.
  const free = lanes.find((lane) => !lane.busy);
  if (free !== undefined) {
    free.busy = true;
    return Promise.resolve(free);
  }
  return new Promise((resolve, reject) => {
    const take = (lane: Lane) => {
      signal?.removeEventListener('abort', leave);
      resolve(lane);
    };
    const leave = () => {
      const at = waiting.indexOf(take);
      if (at >= 0) waiting.splice(at, 1);
      reject(closedError());
    };
    waiting.push(take);
    signal?.addEventListener('abort', leave, { once: true });
  });
}

/**
 * Ends the job of a document no longer wanted (its config closed): its thread is stopped, whatever it was doing, and
 * the job fails (CLOSED) once the thread is gone, with the memory the decode held.
 */
function abandon(lane: Lane, job: Job): void {
  const gone = endThread(lane);
  finish(lane, job, () => void gone.then(() => job.reject(closedError())));
}

/** Hands a lane whose document is done to the first document waiting, or frees it. */
function releaseLane(lane: Lane): void {
  const next = waiting.shift();
  if (next) next(lane);
  else lane.busy = false;
}

/** The lane's thread if it was started with `limits`; else a new one started with them, in place of the old. */
function threadFor(lane: Lane, limits: ThreadLimits): Worker {
  if (lane.worker && lane.limits && sameLimits(lane.limits, limits)) return lane.worker;
  // The lane holds no job here.
  void endThread(lane);
  lane.worker = startThread(lane, limits);
  lane.limits = limits;
  return lane.worker;
}

/**
 * What a thread decodes: a copy of the document's UTF-8 bytes that the thread takes over (moved, never copied
 * again), so that no one else can change them and the event loop holds no copy of its own while it waits; or, when
 * `take` says the caller's bytes are no one else's (`handOver`), those bytes themselves, moved, if their buffer is
 * theirs alone. A YAML text that does not end with a line break gets one: js-yaml adds it otherwise, by copying the
 * whole text (a 16 MiB plain scalar then stood in the thread's heap three times over), and reads the same document
 * either way; bytes taken get it in the byte their buffer has past them (a file's read leaves one); UTF-16 gets none. A string with a
 * lone surrogate, which UTF-8 cannot carry, travels as it is (copied), as the event loop would decode it.
 */
function threadData(format: string, data: string | Uint8Array, take: boolean): string | Uint8Array {
  if (typeof data === 'string' && !isWellFormed(data)) return data;
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  const last = size === 0 ? -1 : typeof data === 'string' ? data.charCodeAt(data.length - 1) : data[size - 1]!;
  // Not to UTF-16 (its byte order mark first): a byte would cut its last character in two.
  const addsBreak = format.toLowerCase() === 'yaml' && last !== -1 && last !== 0x0a && last !== 0x0d && !(typeof data !== 'string' && isUtf16(data));
  if (take && typeof data !== 'string' && ownsBuffer(data, size + (addsBreak ? 1 : 0))) {
    const taken = new Uint8Array(data.buffer, 0, size + (addsBreak ? 1 : 0));
    if (addsBreak) taken[size] = 0x0a;
    return taken;
  }
  const bytes = new Uint8Array(size + (addsBreak ? 1 : 0));
  if (typeof data === 'string') toUtf8.encodeInto(data, bytes);
  else bytes.set(data);
  if (addsBreak) bytes[size] = 0x0a;
  return bytes;
}

const toUtf8 = new TextEncoder();

/** Whether bytes start with UTF-16's byte order mark (`documentText` then reads them as UTF-16). */
const isUtf16 = (bytes: Uint8Array) => (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

/**
 * Whether bytes are the start of a buffer of their own, `length` bytes or one more long: a buffer that a pool or
 * a larger read shares is copied, not moved.
 */
function ownsBuffer(bytes: Uint8Array, length: number): boolean {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && buffer.byteLength >= length && buffer.byteLength <= bytes.byteLength + 1;
}

/** `String.prototype.isWellFormed` (ES2024: in Node 20, not in the ES2023 library this project compiles against). */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The next long string the thread sent apart from its chunks. */
function takeApart(apart: MessagePort): string {
  const taken = workerThreads().receiveMessageOnPort(apart);
  if (typeof taken?.message !== 'string') throw new ConfigError('the decoded data could not be taken in (a string is missing)', { code: 'DECODE' });
  return taken.message;
}

/** Decodes one document on a lane's thread, started with the memory limits of the document's size; bytes are moved there. */
function run(
  lane: Lane,
  format: string,
  data: string | Uint8Array,
  limits: DecodeLimits,
  env: Environment | undefined,
  timeout: number,
  apart: MessagePort,
  signal: AbortSignal | undefined,
): Promise<Decoded> {
  return new Promise<Decoded>((resolve, reject) => {
    const worker = threadFor(lane, threadLimits(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength));
    const timer = setTimeout(
      () => stopThread(lane, new ConfigError(`decoding the document took longer than ${timeout / 1000} s`, { code: 'LIMIT' })),
      timeout,
    );
    const onAbort = () => {
      if (lane.job === job) abandon(lane, job);
    };
    const settled = () => signal?.removeEventListener('abort', onAbort);
    const job: Job = {
      id: ++ids,
      builder: createTreeBuilder(),
      chunks: [],
      timer,
      resolve: (decoded) => {
        settled();
        resolve(decoded);
      },
      reject: (error) => {
        settled();
        reject(error);
      },
    };
    lane.job = job;
    signal?.addEventListener('abort', onAbort, { once: true });
    // While a document is decoding, its thread keeps the process alive: `await createConfig(…)` must not end the
    // process with the decode still under way.
    worker.ref();
    // Only the environment's own strings travel: `${VAR}` reads nothing else.
    const variables = env ? Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : undefined;
    const request = { type: 'decode', id: job.id, format, data, limits, env: variables, chunkSize: CHUNK_SIZE, ahead: CHUNKS_AHEAD, apart } as const;
    worker.postMessage(request satisfies WorkerRequest, typeof data === 'string' ? [apart] : [data.buffer as ArrayBuffer, apart]);
  });
}

/**
 * Decodes a document of a built-in format (its text, or its UTF-8 bytes) on the decoding thread, as `decodeText`
 * would on the event loop. The tree comes back in chunks, so the event loop is never held for more than one chunk at
 * a time. Two documents decode at once, the others wait in the order asked; one that takes longer than `timeout` ms is
 * refused (LIMIT) and its thread replaced. `take`: bytes no one else holds are moved to the thread, not copied (see
 * `threadData`); the caller's view of them is then empty. `signal` ends the decode when it aborts (the config closes):
 * the thread is stopped, or the document leaves the queue, and the decode fails (CLOSED) once the thread is gone.
 */
export async function decodeOffThread(
  format: string,
  data: string | Uint8Array,
  limits: DecodeLimits,
  env: Environment | undefined,
  timeout = DECODE_TIMEOUT,
  take = false,
  signal?: AbortSignal,
): Promise<Tree> {
  if (signal?.aborted) throw closedError();
  // The tree's long strings come on a port of their own (`APART_FROM`), read only once the tree is there.
  const { port1: apart, port2: threadSide } = new (workerThreads().MessageChannel)();
  try {
    const lane = await takeLane(signal);
    // Aborted while the lane was handed over: it goes to the next document.
    if (signal?.aborted) {
      releaseLane(lane);
      throw closedError();
    }
    const { builder, ended } = await run(lane, format, threadData(format, data, take), limits, env, timeout, threadSide, signal);
    if (builder.apart > 0) {
      // The thread, when it was stopped after this document, is gone first, its copies of the text with it.
      await ended;
      builder.fill(() => takeApart(apart));
    }
    return builder.tree;
  } finally {
    apart.close();
  }
}
