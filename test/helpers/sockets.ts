import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** A raw TCP connection that records what it receives and when it closed. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  /** Writes `piece` every `ms` until the connection closes (slowloris). */
  trickle(piece: string, ms: number): void;
}

/** Opens a raw connection to `host:port` (already connected when it resolves). */
export function rawConnection(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        clearInterval(timer);
        done();
      }),
    );
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => text,
        closed,
        trickle(piece, ms) {
          timer = setInterval(() => {
            if (!socket.destroyed) socket.write(piece);
          }, ms);
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** An HTTP answer as a test sees it. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs `body` (or sends it with `method`) to `path` and reads the whole answer; rejects if the connection drops. */
export function send(port: number, path: string, body: string | Buffer = '', options: { method?: string; headers?: Record<string, string>; host?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: options.host ?? '127.0.0.1', port, path, method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
