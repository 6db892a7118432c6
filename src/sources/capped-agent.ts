// An HTTP agent that reads no answer past a limit, nor waits without end for the rest of one begun, for a client
// library that buffers whole answers itself (the `consul` package reads every byte of an answer before anyone can
// look at it, and ends its wait only at its own timeout).
import type { Agent, ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';

/** An answer cut off at its limit: the connection was closed there. */
export class AnswerTooLarge extends Error {
  override readonly name = 'AnswerTooLarge';
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
  }
}

/** An answer that stopped midway: nothing more came for a while, or its connection closed before its end. */
export class AnswerCut extends Error {
  override readonly name = 'AnswerCut';
}

/** Options of `capAnswers`. */
export interface CapOptions {
  /**
   * How long an answer begun may go without a byte (ms): past it, the connection is closed and the request fails.
   * A blocking query's wait for its answer to begin is not bounded by it, only its answer's pauses.
   */
  stalledAfter?: number | undefined;
}

/**
 * Makes `agent` (its `keepAlive` off, so that each connection carries one request and one answer) close a
 * connection with an `AnswerTooLarge` error once more than `limit()` bytes arrived on it, headers included: the
 * request then fails with that error, having held at most the limit (and a chunk). An answer whose connection closes
 * before its end, or that pauses longer than `stalledAfter`, fails its request with an `AnswerCut`: the client's
 * own timeout (for a blocking query, its whole wait and more) was all that ended it.
 */
export function capAnswers<A extends Agent>(agent: A, limit: () => number, options: CapOptions = {}): A {
  const create = (agent as unknown as { createConnection: (...args: unknown[]) => Duplex | undefined }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...args: unknown[]) => Duplex | undefined }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    if (socket) {
      const cap = limit();
      const { stalledAfter } = options;
      let received = 0;
      let stalled: NodeJS.Timeout | undefined;
      socket.on('data', (chunk: Uint8Array) => {
        received += chunk.byteLength;
        if (received > cap) return void socket.destroy(new AnswerTooLarge(cap));
        if (stalledAfter === undefined) return;
        // Armed by the answer's first bytes, moved on by each chunk after (a refresh, not a new timer a chunk).
        if (stalled) stalled.refresh();
        else stalled = setTimeout(() => socket.destroy(new AnswerCut(`the answer stopped for more than ${stalledAfter} ms midway`)), stalledAfter);
      });
      // Added before node:http's own listener, which sees an unfinished answer ended by the close but tells its
      // request nothing. The request is the socket's `_httpMessage` (node:http's name, unchanged since Node 0.x).
      socket.on('close', (hadError: boolean) => {
        clearTimeout(stalled);
        const request = (socket as Duplex & { _httpMessage?: ClientRequest | null })._httpMessage;
        const response = (request as (ClientRequest & { res?: { complete: boolean } }) | null | undefined)?.res;
        if (!hadError && response && !response.complete && request!.listenerCount('error') > 0) {
          request!.emit('error', new AnswerCut('the connection closed before the end of the answer'));
        }
      });
    }
    return socket;
  };
  return agent;
}
