// The decoding thread: decodes documents handed over by `decodeOffThread` and hands their trees back in chunks, a
// few ahead, then one each time the event loop's side has taken one in.
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ConfigErrorCode } from '../errors.ts';
import { decodeFailure, decodeText, documentText, type DecodeLimits } from './decode-text.ts';
import { treeChunks, type ChunkOp } from './tree-chunks.ts';
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

/** An answer of the decoding thread: a chunk of the tree, or the error that refuses the document. */
export type WorkerAnswer = { type: 'chunk'; id: number; ops: ChunkOp[]; done: boolean } | { type: 'error'; id: number; error: SentError };

const port = parentPort;
const pending = new Map<number, Generator<ChunkOp[], void, undefined>>();
const closing = new Map<number, MessagePort>();

function send(id: number): void {
  const chunks = pending.get(id);
  if (!chunks) return;
  const next = chunks.next();
  if (next.done) {
    pending.delete(id);
    // Whatever was sent on it stays queued on the other side until taken.
    closing.get(id)?.close();
    closing.delete(id);
    port!.postMessage({ type: 'chunk', id, ops: [], done: true } satisfies WorkerAnswer);
    return;
  }
  port!.postMessage({ type: 'chunk', id, ops: next.value, done: false } satisfies WorkerAnswer);
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
      pending.set(id, treeChunks(tree, chunkSize, (long) => apart.postMessage(long)));
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
