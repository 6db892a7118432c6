import type { IncomingMessage } from 'node:http';

/** A request body as read, or why it was not. */
export type BodyResult = { ok: true; text: string } | { ok: false; why: 'too-large' | 'timeout' | 'aborted' };

/**
 * Reads a request body of at most `maxBytes`, which must arrive within `timeout` ms. A declared length over the
 * limit is refused before a byte is read; past the limit or the time, reading stops (the request is paused, not
 * drained), so a client can neither fill memory nor hold the call open by trickling.
 */
export function readBody(req: IncomingMessage, maxBytes: number, timeout: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.resolve({ ok: false, why: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onAborted).off('close', onAborted);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, why: 'timeout' }), timeout);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, why: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, text: Buffer.concat(chunks, size).toString('utf8') });
    const onAborted = () => finish({ ok: false, why: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onAborted).on('close', onAborted);
  });
}
