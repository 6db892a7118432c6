import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config, Value } from '../index.ts';

/** What a handler is given besides the request. */
export interface HandlerContext {
  /** The handler's options: the `handlers.<name>` subtree of the snapshot current when the call arrived. */
  readonly options: Value;
  /** The whole config. */
  readonly config: Config;
  /** The endpoint called (`Popular.Ping`). */
  readonly endpoint: string;
  /** Aborted when the caller goes away. */
  readonly signal: AbortSignal;
}

/** One endpoint: JSON in, JSON out. */
export type HandlerMethod = (request: unknown, context: HandlerContext) => unknown;

/** A handler: methods by name (`ping` serves `Popular.Ping`). */
export type Handler = Readonly<Record<string, HandlerMethod>>;

/** A JSON-over-HTTP server for handlers, which can drain its in-flight requests. */
export interface HandlerServer {
  /** Adds a handler under a name (`Popular`). */
  handle(name: string, handler: Handler): void;
  /** Starts listening on `host:port`; resolves with the address it got. */
  listen(address: string): Promise<string>;
  /** Stops accepting calls, waits for those in flight, and closes. */
  close(): Promise<void>;
  /** Calls being served now. */
  readonly inFlight: number;
}

const MAX_BODY = 1024 * 1024;

/** Creates a handler server reading handler options from a config. */
export function createHandlerServer(config: Config): HandlerServer {
  const handlers = new Map<string, Handler>();
  let server: Server | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const endpoint = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0] ?? '');
    const [name = '', methodName = ''] = endpoint.split('.');
    const handler = handlers.get(name.toLowerCase());
    // `Popular.Ping` is served by the handler's own `ping` (never an inherited property such as `toString`).
    const key = methodName.charAt(0).toLowerCase() + methodName.slice(1);
    const method = handler && Object.hasOwn(handler, key) ? handler[key] : undefined;
    if (req.method !== 'POST' || typeof method !== 'function') {
      reply(res, 404, { error: `unknown endpoint ${endpoint}` });
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse((await body(req)) || 'null');
    } catch {
      reply(res, 400, { error: 'the request body is not JSON' });
      return;
    }
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    try {
      const context: HandlerContext = { options: config.get('handlers', name.toLowerCase()), config, endpoint, signal: controller.signal };
      reply(res, 200, (await method(request, context)) ?? null);
    } catch (error) {
      reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    get inFlight() {
      return inFlight;
    },
    handle(name, handler) {
      handlers.set(name.toLowerCase(), handler);
    },
    async listen(address) {
      const cut = address.lastIndexOf(':');
      const host = address.slice(0, cut) || '127.0.0.1';
      const port = Number(address.slice(cut + 1) || 0);
      server = createServer((req, res) => {
        inFlight++;
        res.on('close', () => {
          inFlight--;
          if (inFlight === 0) idle?.();
        });
        serve(req, res).catch(() => res.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const bound = server.address() as AddressInfo;
      return `${bound.address}:${bound.port}`;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      closing.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      closing.closeIdleConnections();
      await closed;
    },
  };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
