// The decoding thread: decodes documents handed over by `decodeOffThread` and hands their trees back in chunks, a
// few ahead, then one each time the event loop's side has taken one in.
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ConfigErrorCode } from '../errors.ts';
import { countJsonValues } from '../encoders/json.ts';
import { decodeFailure, decodeText, documentBody, documentText, type DecodeLimits, type DecodeReport } from './decode-text.ts';
import { treeChunks, type ChunkOp } from './tree-chunks.ts';
import type { Environment } from '../reader/expand.ts';

/**
 * When the event loop parses the text again itself rather than take the tree in chunks: the document is at most
 * `maxChars` long, parsing it builds at most `maxValues` values, and its tree is what the parser gave.
 */
export interface ParseBack {
  maxChars: number;
  maxValues: number;
}

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
      parseBack: ParseBack | undefined;
      /** Whether `checked` hands the bytes back (moved), for the event loop to parse what was checked. */
      handBack: boolean;
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
 * An answer of the decoding thread: a chunk of the tree; `checked`, the document is valid within its limits and
 * parsing its text again gives its tree (see `ParseBack`); or the error that refuses it.
 */
export type WorkerAnswer =
  | { type: 'chunk'; id: number; ops: ChunkOp[]; done: boolean }
  | { type: 'checked'; id: number; bytes: Uint8Array | undefined }
  | { type: 'error'; id: number; error: SentError };

/**
 * Whether parsing a JSON text again stays within `parseBack`: its length, and what the parse builds. A key given
 * twice builds its first value too, then drops it, so the tree's count of values may be far less than the parse's
 * work (900,000 repeats of one key: 6 values in the tree, millions built); the text's own count, taken in one pass,
 * must be the tree's. The count stops once past the tree's.
 */
function parsesBackWithin(parseBack: ParseBack, text: string, treeValues: number): boolean {
  if (text.length > parseBack.maxChars || treeValues > parseBack.maxValues) return false;
  return countJsonValues(documentBody(text), treeValues) === treeValues;
}

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
  const { id, format, limits, env, chunkSize, ahead, parseBack, handBack, apart } = request;
  // Bytes that are not text are refused as a decode's error is, with their line and column (a throw here would stop
  // the thread).
  let text: string;
  try {
    text = documentText(request.data);
  } catch (thrown) {
    refuse(id, thrown, format, apart);
    return;
  }
  // The bytes are kept only to be handed back; otherwise nothing holds them once the text is made, and they are freed
  // at the next collection rather than held beside the text and what its parse builds.
  const bytes = parseBack && handBack && typeof request.data !== 'string' ? request.data : undefined;
  const report: DecodeReport = { values: 0, rewritten: false };
  decodeText(format, text, limits, env, report).then(
    (tree) => {
      if (parseBack && tree !== null && !report.rewritten && parsesBackWithin(parseBack, text, report.values)) {
        port.postMessage({ type: 'checked', id, bytes } satisfies WorkerAnswer, bytes ? [bytes.buffer as ArrayBuffer] : []);
        apart.close();
        return;
      }
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
