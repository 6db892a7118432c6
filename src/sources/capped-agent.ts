// An HTTP agent that reads no answer past a limit, for a client library that buffers whole answers itself (the
// `consul` package reads every byte of an answer before anyone can look at it).
import type { Agent } from 'node:http';
import type { Duplex } from 'node:stream';

/** An answer cut off at its limit: the connection was closed there. */
export class AnswerTooLarge extends Error {
  override readonly name = 'AnswerTooLarge';
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
  }
}

/**
 * Makes `agent` (its `keepAlive` off, so that each connection carries one request and one answer) close a
 * connection with an `AnswerTooLarge` error once more than `limit()` bytes arrived on it, headers included: the
 * request then fails with that error, having held at most the limit (and a chunk).
 */
export function capAnswers<A extends Agent>(agent: A, limit: () => number): A {
  const create = (agent as unknown as { createConnection: (...args: unknown[]) => Duplex | undefined }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...args: unknown[]) => Duplex | undefined }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    if (socket) {
      const cap = limit();
      let received = 0;
      socket.on('data', (chunk: Uint8Array) => {
        received += chunk.byteLength;
        if (received > cap) socket.destroy(new AnswerTooLarge(cap));
      });
    }
    return socket;
  };
  return agent;
}
