import { request as httpRequest, type Agent } from 'node:http';
import { splitAddress } from './address.ts';

/** An answer as received: its status and its text. */
export interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Why a POST got no answer: the node could not be reached or dropped the call, the answer was too large, or the signal aborted. */
export class PostFailure extends Error {
  override readonly name = 'PostFailure';
  constructor(
    readonly reason: 'unreachable' | 'too-large' | 'aborted',
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * POSTs a JSON body to `/<endpoint>` of a node and reads the answer, at most `maxAnswerBytes` of it (a longer one,
 * declared or streamed, is cut off at once). The signal ends it whatever the node does, so a node trickling its
 * answer cannot hold a call past its deadline.
 */
export function post(agent: Agent, address: string, endpoint: string, body: string, maxAnswerBytes: number, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = splitAddress(address);
    if (!target) return reject(new PostFailure('unreachable', 'the node\'s address is not host:port'));
    if (signal.aborted) return reject(new PostFailure('aborted', 'the call ended'));
    const fail = (failure: PostFailure) => {
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(failure);
    };
    const onAbort = () => fail(new PostFailure('aborted', 'the call ended'));
    signal.addEventListener('abort', onAbort, { once: true });
    const req = httpRequest(
      {
        agent,
        host: target.host,
        port: target.port,
        method: 'POST',
        path: `/${encodeURIComponent(endpoint)}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const tooLarge = () => fail(new PostFailure('too-large', `the answer is larger than ${maxAnswerBytes} bytes`));
        if (Number(res.headers['content-length']) > maxAnswerBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxAnswerBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on('end', () => {
          signal.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks, size).toString('utf8') });
        });
        res.on('error', (error) => fail(new PostFailure('unreachable', 'the node dropped the answer', error)));
        res.on('aborted', () => fail(new PostFailure('unreachable', 'the node dropped the answer')));
      },
    );
    req.on('error', (error) => fail(new PostFailure('unreachable', 'the node could not be reached', error)));
    req.end(body);
  });
}
