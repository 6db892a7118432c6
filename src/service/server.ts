import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AbortSignalLike, Config, Value } from '../index.ts';
import type { HostPort } from './address.ts';
import { readBody } from './body.ts';
import { trackConnections, type Call, type Connections } from './connections.ts';
import { HandlerError, ServiceError, statusText, type ErrorBody } from './errors.ts';
import { MAX_DEPTH, parseJson } from './json.ts';
import { methodKey, methodTable, route, type MethodTable } from './routing.ts';

/**
 * What a handler is given besides the request. `Options` types its options where the config's shape has
 * `handlers.<name>`; `Shape` and `Input` are the config's own.
 */
export interface HandlerContext<Options = unknown, Shape = Record<string, unknown>, Input = Shape> {
  /** The handler's options: the `handlers.<name>` subtree of the snapshot current when the call arrived. */
  readonly options: Value<Options>;
  /** The whole config. */
  readonly config: Config<Shape, Input>;
  /** The endpoint called (`Popular.Ping`). */
  readonly endpoint: string;
  /** Aborted when the caller goes away, and at the drain deadline of `stop()` (its reason then a 503 ServiceError). */
  readonly signal: AbortSignalLike;
}

/** One endpoint: JSON in, JSON out. */
export type HandlerMethod<Options = unknown, Shape = Record<string, unknown>, Input = Shape> = (
  request: unknown,
  context: HandlerContext<Options, Shape, Input>,
) => unknown;

/**
 * A handler: methods by name (`ping` serves `Popular.Ping`). A class instance works too: its methods, own and
 * inherited (never those of `Object.prototype`), are called on it, so they keep `this`.
 */
export type Handler<Options = unknown, Shape = Record<string, unknown>, Input = Shape> = Readonly<
  Record<string, HandlerMethod<Options, Shape, Input>>
>;

/** The bounds a server holds its clients to (ms and bytes). */
export interface ServerLimits {
  /** How long a client may take to send a request's headers. */
  readonly headerTimeout: number;
  /** How long, after the headers, it may take to send the body. */
  readonly bodyTimeout: number;
  /** The largest request body, in bytes. */
  readonly maxRequestBytes: number;
}

/** A JSON-over-HTTP server for handlers, which can drain its in-flight requests. */
export interface HandlerServer {
  /** Adds a handler under a name (`Popular`). */
  handle(name: string, handler: Handler | object): void;
  /** Starts listening; resolves with the address it got. */
  listen(address: HostPort, limits: ServerLimits): Promise<HostPort>;
  /**
   * Stops accepting calls and waits for those in flight until `deadline` (a `Date.now()` time); then aborts their
   * signals, answers them 503, and closes every connection.
   */
  close(deadline: number): Promise<void>;
  /** Calls being served now. */
  readonly inFlight: number;
}

/** The id of the errors the server itself answers (a malformed request, an unknown endpoint). */
const SERVER_ID = 'microconf.server';

/** Creates a handler server reading handler options from a config; `report` hears each failure a caller saw as a 500. */
export function createHandlerServer(config: Config, report: (error: HandlerError) => void): HandlerServer {
  const handlers = new Map<string, MethodTable>();
  let connections: Connections | undefined;

  const answer = (res: ServerResponse, status: number, text: string, close = false) => reply(res, status, text, close || connections?.draining === true);
  const fail = (res: ServerResponse, code: number, detail: string, close = false) =>
    answer(res, code, JSON.stringify(errorBody(SERVER_ID, code, detail)), close);

  async function serve(req: IncomingMessage, res: ServerResponse, limits: ServerLimits): Promise<void> {
    const target = route(req.url ?? '/');
    if (target.kind === 'malformed') return fail(res, 400, 'the request path is not valid percent-encoding');
    if (target.kind === 'unknown') return fail(res, 404, 'unknown endpoint: expected /Handler.Method');
    const { endpoint } = target;
    const name = target.handler.toLowerCase();
    const method = handlers.get(name)?.get(methodKey(target.method));
    if (!method) return fail(res, 404, `unknown endpoint ${endpoint}`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return fail(res, 405, `${endpoint} is called with POST`);
    }
    const controller = new AbortController();
    connections!.begin({ res, controller });
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new ServiceError(SERVER_ID, 'the caller went away', 499));
    });

    const body = await readBody(req, limits.maxRequestBytes, limits.bodyTimeout);
    if (!body.ok) {
      // The rest of the body is not read: the connection closes after the answer.
      if (body.why === 'too-large') return fail(res, 413, `the request body is larger than ${limits.maxRequestBytes} bytes`, true);
      if (body.why === 'timeout') return fail(res, 408, `the request body did not arrive within ${limits.bodyTimeout} ms`, true);
      return;
    }
    const parsed = parseJson(body.text || 'null');
    if (!parsed.ok) {
      const detail = parsed.why === 'depth' ? `the request body nests deeper than ${MAX_DEPTH} levels` : 'the request body is not JSON';
      return fail(res, 400, detail);
    }
    const context: HandlerContext = { options: config.get('handlers', name), config, endpoint, signal: controller.signal };
    let result: unknown;
    try {
      result = await method(parsed.value, context as never);
    } catch (error) {
      if (ServiceError.is(error)) return answer(res, error.code, JSON.stringify(error));
      return failed(res, endpoint, error);
    }
    let text: string;
    try {
      text = JSON.stringify(result ?? null);
    } catch (error) {
      return failed(res, endpoint, error);
    }
    answer(res, 200, text);
  }

  /** A failure the caller must not see the details of: a 500 with an id, the real error reported under that id. */
  function failed(res: ServerResponse, endpoint: string, error: unknown): void {
    const id = randomUUID();
    answer(res, 500, JSON.stringify(errorBody(id, 500, 'internal server error')));
    report(new HandlerError(endpoint, id, error));
  }

  return {
    get inFlight() {
      return connections?.inFlight ?? 0;
    },
    handle(name, handler) {
      handlers.set(name.toLowerCase(), methodTable(handler));
    },
    async listen(address, limits) {
      const listening = createServer({
        headersTimeout: limits.headerTimeout,
        // Node's own bound on a whole request, behind readBody's exact one.
        requestTimeout: limits.headerTimeout + limits.bodyTimeout,
        // Node looks for expired requests this often (30 s by default, which would stretch the header timeout).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, limits.headerTimeout / 4)),
      });
      const tracked = trackConnections(listening, limits.headerTimeout);
      listening.on('request', (req: IncomingMessage, res: ServerResponse) => {
        serve(req, res, limits).catch((error: unknown) => failed(res, 'request', error));
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(address.port, address.host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      connections = tracked;
      const bound = listening.address() as AddressInfo;
      return { host: bound.address, port: bound.port };
    },
    async close(deadline) {
      await connections?.drain(deadline, expire);
    },
  };
}

/** At the drain deadline: the handler's signal is aborted and its caller told the service is stopping. */
function expire({ res, controller }: Call): void {
  const stopping = new ServiceError(SERVER_ID, 'the service is stopping', 503);
  controller.abort(stopping);
  reply(res, 503, JSON.stringify(stopping), true);
}

function errorBody(id: string, code: number, detail: string): ErrorBody {
  return { id, code, detail, status: statusText(code) };
}

function reply(res: ServerResponse, status: number, text: string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}
