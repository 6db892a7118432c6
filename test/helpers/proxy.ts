// A TCP proxy on 127.0.0.1 between a client and a server, whose network faults a test controls: connections cut
// (reset) or refused, traffic stalled or delayed, one direction black-holed (a half-open link).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports.ts';

/** Which way bytes go: from the client to the server (`up`), back (`down`), or both. */
export type Direction = 'up' | 'down' | 'both';

/** A proxy whose faults the test turns on and off. */
export interface FaultProxy {
  /** `127.0.0.1:port`, for a client. */
  readonly address: string;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Resets every open connection; new ones are taken. */
  reset(): void;
  /** Resets every open connection and refuses (resets) new ones until `heal()`. */
  cut(): void;
  /** Holds the bytes going one or both ways (the connection stays open) until `heal()`, which delivers them. */
  stall(direction: Direction): void;
  /** Drops the bytes going one or both ways, connections staying open, until `heal()`, which resets them. */
  blackhole(direction: Direction): void;
  /** Delivers every chunk `ms` late (in order) until `heal()`. */
  delay(ms: number): void;
  /** Ends every fault: held bytes are delivered, black-holed connections reset, new connections taken. */
  heal(): void;
  /** Stops listening and resets every connection. */
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  server: Socket;
  /** Bytes held while a direction is stalled, in order. */
  held: { up: Buffer[]; down: Buffer[] };
  /** Whether bytes were dropped on this link (it cannot be trusted afterwards). */
  damaged: boolean;
  /** The chain delaying chunks in each direction, so they stay in order. */
  delayed: { up: Promise<void>; down: Promise<void> };
  /** Chunks on that chain not yet written: while any are, later chunks queue behind them (TCP never reorders). */
  pending: { up: number; down: number };
}

/** Starts a proxy to `127.0.0.1:targetPort` on a free port. */
export async function startProxy(targetPort: number): Promise<FaultProxy> {
  const links = new Set<Link>();
  let refusing = false;
  let stalled: Direction | undefined;
  let blackholed: Direction | undefined;
  let latency = 0;
  const applies = (fault: Direction | undefined, direction: 'up' | 'down') => fault === 'both' || fault === direction;

  const destroy = (link: Link) => {
    if (!links.delete(link)) return;
    for (const socket of [link.client, link.server]) {
      if (socket.destroyed) continue;
      // A reset (RST), as a dropped route or a restarted middlebox gives, rather than a polite close.
      if (socket.connecting || socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
  };

  function forward(link: Link, direction: 'up' | 'down', chunk: Buffer): void {
    if (applies(blackholed, direction)) {
      link.damaged = true;
      return;
    }
    if (applies(stalled, direction)) {
      link.held[direction].push(chunk);
      return;
    }
    write(link, direction, chunk, latency);
  }

  /** Writes a chunk on, `ms` late, after every chunk still on its way in that direction. */
  function write(link: Link, direction: 'up' | 'down', chunk: Buffer, ms: number): void {
    const to = direction === 'up' ? link.server : link.client;
    if (ms === 0 && link.pending[direction] === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    link.pending[direction] += 1;
    link.delayed[direction] = link.delayed[direction].then(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            link.pending[direction] -= 1;
            if (!to.destroyed) to.write(chunk);
            resolve();
          }, ms),
        ),
    );
  }

  const server: Server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const link: Link = { client, server: upstream, held: { up: [], down: [] }, damaged: false, delayed: { up: Promise.resolve(), down: Promise.resolve() }, pending: { up: 0, down: 0 } };
    links.add(link);
    client.on('data', (chunk: Buffer) => forward(link, 'up', chunk));
    upstream.on('data', (chunk: Buffer) => forward(link, 'down', chunk));
    // One side closing or failing closes the other, as a real path would.
    const end = () => destroy(link);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  server.on('error', () => {});

  const port = await listen(server);

  function release(): void {
    for (const link of [...links]) {
      if (link.damaged) {
        destroy(link);
        continue;
      }
      for (const direction of ['up', 'down'] as const) {
        for (const chunk of link.held[direction].splice(0)) write(link, direction, chunk, 0);
      }
    }
  }

  return {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return links.size;
    },
    reset() {
      for (const link of [...links]) destroy(link);
    },
    cut() {
      refusing = true;
      for (const link of [...links]) destroy(link);
    },
    stall(direction) {
      stalled = direction;
    },
    blackhole(direction) {
      blackholed = direction;
    },
    delay(ms) {
      latency = ms;
    },
    heal() {
      refusing = false;
      stalled = undefined;
      blackholed = undefined;
      latency = 0;
      release();
    },
    async close() {
      for (const link of [...links]) destroy(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on a free loopback port (another is tried if it was taken meanwhile). */
async function listen(server: Server): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (listening) return port;
    if (attempt >= 5) throw new Error('the proxy found no free port');
  }
}
