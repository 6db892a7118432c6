import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_DELAY } from '../option-checks.ts';

/** One call being served: its response, and the controller behind the handler's `ctx.signal`. */
export interface Call {
  readonly res: ServerResponse;
  readonly controller: AbortController;
}

/** The sockets and calls of a server, which it drains on close. */
export interface Connections {
  /** Counts a call until its response closes. */
  begin(call: Call): void;
  /** Calls being served now. */
  readonly inFlight: number;
  /** True once draining started: answers then close their connection. */
  readonly draining: boolean;
  /**
   * Stops accepting, closes idle connections at once and those still sending a request's headers at the header
   * timeout, ends each connection once its call is answered, and waits for all that until `deadline` (a `Date.now()`
   * time). Then each remaining call's signal is aborted and `expire` answers it; the connections are closed once those
   * answers are written, or a moment later.
   */
  drain(deadline: number, expire: (call: Call) => void): Promise<void>;
}

/** How long answers given at the drain deadline get to be written before their connections are cut (ms). */
const FLUSH = 50;

/** Tracks a server's sockets and calls; `headerTimeout` (ms) bounds how long a connection may take to send a request. */
export function trackConnections(server: Server, headerTimeout: number): Connections {
  const sockets = new Set<Socket>();
  const busy = new Map<Socket, number>();
  const calls = new Set<Call>();
  let draining = false;
  let settled: (() => void) | undefined;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });

  const release = (call: Call, socket: Socket) => {
    if (!calls.delete(call)) return;
    const left = (busy.get(socket) ?? 1) - 1;
    if (left > 0) busy.set(socket, left);
    else {
      busy.delete(socket);
      // Draining, a connection that served its last call is done; end() lets the answer's bytes go out first.
      if (draining) socket.end();
    }
    if (calls.size === 0) settled?.();
  };

  return {
    begin(call) {
      const socket = call.res.socket;
      if (!socket) return;
      calls.add(call);
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      call.res.once('close', () => release(call, socket));
    },
    get inFlight() {
      return calls.size;
    },
    get draining() {
      return draining;
    },
    async drain(deadline, expire) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Node stops timing headers once the server closes: a connection that has not sent a whole request within
      // the header timeout is closed here, as it would have been while serving.
      const halfOpen = setTimeout(() => {
        for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      }, Math.max(0, Math.min(deadline, Date.now() + headerTimeout) - Date.now()));
      await until(deadline, closed);
      clearTimeout(halfOpen);
      if (calls.size > 0) {
        const flushed = new Promise<void>((resolve) => (settled = resolve));
        for (const call of [...calls]) expire(call);
        await until(Date.now() + FLUSH, flushed);
      }
      for (const socket of sockets) socket.destroy();
      await closed;
    },  };
}

/** Waits for `promise`, or until the `Date.now()` time `deadline`, whichever comes first. */
export function until(deadline: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, Math.min(deadline - Date.now(), MAX_DELAY)))));
  return Promise.race([promise.then(() => {}, () => {}), timeout]).finally(() => clearTimeout(timer));
}
