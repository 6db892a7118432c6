// The decoding thread: decodes documents handed over by `decodeOffThread` and hands their trees back in chunks, a
// few ahead, then one each time the event loop's side has taken one in.
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ConfigErrorCode } from '../errors.ts';
import { decodeFailure, decodeText, documentText, type DecodeLimits } from './decode-text.ts';
import { treeChunks, type ChunkOp, type ChunkText } from './tree-chunks.ts';
import type { Environment } from '../reader/expand.ts';

/** A request to the decoding thread. */
export type WorkerRequest =
  | {
      type: 'decode';
      id: number;
      format: string;
      /** The document's UTF-8 bytes, moved to the thread, or its text. */
      data: string | Uint8Array;
      limits: DecodeLimits;
      env: Environment | undefined;
      chunkSize: number;
      ahead: number;
      /** Where the tree's long strings are sent, apart from its chunks (see `APART_FROM`); closed when the tree is. */
      apart: MessagePort;
    }
  | { type: 'next'; id: number };

/** What a ConfigError carries across threads (its detail only: never document text). */
export interface SentError {
  detail: string;
  code: ConfigErrorCode;
  line: number | undefined;
  column: number | undefined;
  path: string | undefined;
}

/**
 * An answer of the decoding thread: a chunk of the tree, or the error that refuses the document. A chunk travels as
 * the JSON text of its ops when that gives them back as they are (`text`), else as its ops.
 */
export type WorkerAnswer =
  | { type: 'chunk'; id: number; ops: ChunkOp[]; done: boolean }
  | { type: 'chunk'; id: number; text: string; done: boolean }
  | { type: 'error'; id: number; error: SentError };

const port = parentPort;
const pending = new Map<number, { chunks: Generator<ChunkOp[], void, undefined>; text: ChunkText }>();
const closing = new Map<number, MessagePort>();

function send(id: number): void {
  const job = pending.get(id);
  if (!job) return;
  const next = job.chunks.next();
  if (next.done) {
    pending.delete(id);
    // Whatever was sent on it stays queued on the other side until taken.
    closing.get(id)?.close();
    closing.delete(id);
    port!.postMessage({ type: 'chunk', id, ops: [], done: true } satisfies WorkerAnswer);
    return;
  }
  // The structured clone rebuilds a chunk's objects on the event loop's side about twice as slowly as JSON.parse
  // builds them from the chunk's text, which is a string to clone (50,000 keys: 88 against 38 ms to take in).
  if (job.text.exact) port!.postMessage({ type: 'chunk', id, text: JSON.stringify(next.value), done: false } satisfies WorkerAnswer);
  else port!.postMessage({ type: 'chunk', id, ops: next.value, done: false } satisfies WorkerAnswer);
}

port?.on('message', (request: WorkerRequest) => {
  if (request.type === 'next') return send(request.id);
  const { id, format, limits, env, chunkSize, ahead, apart } = request;
  // Bytes that are not text are refused as a decode's error is, with their line and column (a throw here would stop
  // the thread).
  let text: string;
  try {
    text = documentText(request.data);
  } catch (thrown) {
    refuse(id, thrown, format, apart);
    return;
  }
  // Nothing that outlives the decode refers to the text (no callback below holds it), so neither it nor the bytes it
  // was made from are kept beside the tree while its chunks are handed back.
  decodeText(format, text, limits, env).then(
    (tree) => {
      const text: ChunkText = { exact: false };
      pending.set(id, { chunks: treeChunks(tree, chunkSize, (long) => apart.postMessage(long), text), text });
      closing.set(id, apart);
      // A few chunks are sent ahead, each `next` asking for one more: the event loop takes in at most that many at
      // once, and neither side waits for the other's turn between chunks.
      for (let i = 0; i < ahead; i++) send(id);
    },
    (thrown: unknown) => refuse(id, thrown, format, apart),
  );
});

/** Answers a decode with the error that refuses its document. */
function refuse(id: number, thrown: unknown, format: string, apart: MessagePort): void {
  const error = decodeFailure(thrown, format);
  const sent: SentError = { detail: error.detail, code: error.code, line: error.line, column: error.column, path: error.path };
  port!.postMessage({ type: 'error', id, error: sent } satisfies WorkerAnswer);
  apart.close();
}
