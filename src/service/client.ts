import { Agent } from 'node:http';
import { ConfigError, type Config } from '../index.ts';
import { sleep } from '../sleep.ts';
import { parseErrorBody } from './errors.ts';
import { parseJson } from './json.ts';
import { PostFailure, post, type Answer } from './post.ts';
import { createRegistry, registrySpec } from './registry/index.ts';
import { RegistryError, type Registry, type ServiceNode } from './registry/registry.ts';
import { clientLimits, type ClientLimits } from './settings.ts';

/** Why a call failed. */
export type CallErrorCode =
  | 'TIMEOUT' // no node of the service was found, or none answered, before the call's deadline
  | 'NOT_FOUND' // the node has no such endpoint (404)
  | 'BAD_REQUEST' // the request was refused as wrong (400), or cannot be sent as JSON
  | 'TOO_LARGE' // the request or the answer is over its size cap (or the node said 413)
  | 'REMOTE' // the handler failed, or chose another error status; see `status` and `detail`
  | 'CLOSED'; // the client was closed

/** What a CallError carries besides its code. */
export interface CallErrorDetails {
  /** The answer's HTTP status, when a node answered. */
  readonly status?: number | undefined;
  /** The error's id: where it comes from (`popular.ping`), or the id under which the service reported a failure. */
  readonly id?: string | undefined;
  /** What the node said went wrong (a ServiceError's detail), when it said. */
  readonly detail?: string | undefined;
  /** The underlying failure. */
  readonly cause?: unknown;
}

/** A call that failed: the endpoint is unknown, the handler threw, or no node answered in time. */
export class CallError extends Error {
  override readonly name = 'CallError';
  /** Why. */
  readonly code: CallErrorCode;
  /** The service called. */
  readonly service: string;
  /** The endpoint called. */
  readonly endpoint: string;
  /** The answer's HTTP status, when a node answered (a handler's ServiceError code). */
  readonly status: number | undefined;
  /** The answer's error id (a ServiceError's id, or the id a 500 was reported under). */
  readonly id: string | undefined;
  /** The answer's detail. */
  readonly detail: string | undefined;

  constructor(message: string, code: CallErrorCode, service: string, endpoint: string, details: CallErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.service = service;
    this.endpoint = endpoint;
    this.status = details.status;
    this.id = details.id;
    this.detail = details.detail;
  }
}

/** Options of one call. */
export interface CallOptions {
  /** How long the call may take, look-ups, retries and the whole answer included (ms; default `client.timeout`, else 5 s). */
  timeout?: number | undefined;
}

/** Calls services found in the configured registry. */
export interface Client {
  /** Calls `endpoint` (`Popular.Ping`) of a service with a JSON request; resolves with its JSON answer. */
  call<T = unknown>(service: string, endpoint: string, request?: unknown, options?: CallOptions): Promise<T>;
  /** Closes connections and registries; calls in flight and later calls fail with `CLOSED`. */
  close(): Promise<void>;
}

/** Options of `createClient`. */
export interface ClientOptions {
  /** Where the registry, the selector and the timeout come from. */
  config: Config;
}

/**
 * Creates a client. Config keys: `registry` and `registries.<kind>.*` (as the service's), `client.timeout`
 * (default `5s`: a deadline for the whole call, not an idle timeout), `client.maxRequestBytes` (default 1 MiB),
 * `client.maxAnswerBytes` (default 4 MiB), `client.selector` (`random`, the default, or `roundrobin`). A registry
 * change is followed on the next call. A node that refuses or drops a connection is skipped for another; while no
 * node is found (a registry being switched) the call looks again until its deadline. An error answer becomes a
 * CallError carrying the node's status, id and detail.
 */
export function createClient(options: ClientOptions): Client {
  const { config } = options;
  const agent = new Agent({ keepAlive: true });
  const retired = new Set<Registry>();
  const turns = new Map<string, number>();
  let current: { key: string; registry: Registry } | undefined;
  let closed = false;
  const calls = new Set<AbortController>();

  function registry(): Registry {
    const spec = registrySpec(config);
    if (current?.key !== spec.key) {
      // Made before the old one is retired: a registry whose options are refused throws here, and the old one,
      // still current, must not be closed under the client (a config put right again would find it closed).
      const next = createRegistry(spec, config);
      if (current) {
        // Calls may still be looking nodes up in the old registry: close it a little later.
        const old = current.registry;
        retired.add(old);
        setTimeout(() => {
          retired.delete(old);
          void old.close().catch(() => {});
        }, 5000).unref();
      }
      current = { key: spec.key, registry: next };
    }
    return current.registry;
  }

  function select(service: string, nodes: readonly ServiceNode[]): ServiceNode {
    if (config.get('client.selector').string('random') === 'roundrobin') {
      const turn = turns.get(service) ?? 0;
      turns.set(service, turn + 1);
      return nodes[turn % nodes.length]!;
    }
    return nodes[Math.floor(Math.random() * nodes.length)]!;
  }

  /** One attempt on one node; undefined when the node is gone and another should be tried. */
  async function attempt(node: ServiceNode, call: Call, body: string, signal: AbortSignal): Promise<{ value: unknown } | undefined> {
    let answer: Answer;
    try {
      answer = await post(agent, node.address, call.endpoint, body, call.limits.maxAnswerBytes, signal);
    } catch (error) {
      if (error instanceof PostFailure && error.reason === 'too-large') throw call.fail(error.message, 'TOO_LARGE', { cause: error });
      if (error instanceof PostFailure && error.reason === 'aborted') throw call.ended();
      return undefined;
    }
    const parsed = parseJson(answer.text);
    if (answer.status === 200) {
      if (!parsed.ok) throw call.fail('the node answered something that is not JSON', 'REMOTE', { status: 200 });
      return { value: parsed.value };
    }
    const remote = parsed.ok ? parseErrorBody(parsed.value) : undefined;
    const code: CallErrorCode = answer.status === 404 ? 'NOT_FOUND' : answer.status === 400 ? 'BAD_REQUEST' : answer.status === 413 ? 'TOO_LARGE' : 'REMOTE';
    throw call.fail(remote ? quoted(remote.detail) : `HTTP ${answer.status}`, code, { status: answer.status, id: remote?.id, detail: remote?.detail });
  }

  return {
    async call<T>(service: string, endpoint: string, request?: unknown, callOptions: CallOptions = {}): Promise<T> {
      const limits = clientLimits(config, callOptions.timeout);
      let lastError: unknown;
      // Whether a look-up found a node of the service, and in which kind of registry it looked: a call to a service
      // that is not running waits as long as one to nodes that do not answer, and must not say the same thing.
      let seen = false;
      let kind: string | undefined;
      const timedOut = () => {
        const why = lastError ? ` (${describe(lastError)})` : '';
        if (seen) return `no node answered within ${limits.timeout} ms${why}`;
        return `no node of ${service} was found in the ${kind ? `${kind} ` : ''}registry within ${limits.timeout} ms${why}`;
      };
      const call: Call = {
        endpoint,
        limits,
        fail: (message, code, details) => new CallError(`${service} ${endpoint}: ${message}`, code, service, endpoint, details),
        ended: () => (closed ? call.fail('the client was closed', 'CLOSED') : call.fail(timedOut(), 'TIMEOUT', { cause: lastError })),
      };
      if (closed) throw call.ended();
      let body: string;
      try {
        body = JSON.stringify(request ?? null);
      } catch (error) {
        throw call.fail('the request cannot be sent as JSON', 'BAD_REQUEST', { cause: error });
      }
      if (Buffer.byteLength(body) > limits.maxRequestBytes) throw call.fail(`the request is larger than ${limits.maxRequestBytes} bytes`, 'TOO_LARGE');
      // One deadline for the whole call: look-ups, every node tried, and every byte of the answer.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), limits.timeout);
      calls.add(controller);
      const { signal } = controller;
      try {
        const failed = new Set<string>();
        while (!signal.aborted) {
          let nodes: ServiceNode[] = [];
          try {
            const found = registry();
            kind = found.kind;
            nodes = await abortable(found.lookup(service), signal).catch((error: unknown) => {
              // A name the registry cannot carry is said as it is: no look-up will ever find it.
              if (error instanceof ConfigError && error.code === 'INVALID_OPTION') throw call.fail(error.message, 'BAD_REQUEST', { cause: error });
              // A registry's own RegistryError (its timeout) already says which registry and why.
              throw signal.aborted || error instanceof RegistryError ? error : new RegistryError(found, `look up ${service}`, 'UNREACHABLE', error);
            });
            seen ||= nodes.length > 0;
            nodes = nodes.filter((node) => !failed.has(node.id));
          } catch (error) {
            if (error instanceof CallError) throw error;
            if (signal.aborted) break;
            lastError = error;
          }
          if (nodes.length === 0) {
            // A registry being switched, or a service restarting: look again shortly.
            failed.clear();
            await sleep(25, signal);
            continue;
          }
          const node = select(service, nodes);
          const answer = await attempt(node, call, body, signal);
          if (answer) return answer.value as T;
          // The node is gone or going (refused, reset): try another.
          failed.add(node.id);
          lastError = new Error(`the node at ${node.address} could not be reached`);
        }
        throw call.ended();
      } finally {
        clearTimeout(timer);
        calls.delete(controller);
      }
    },
    async close() {
      closed = true;
      for (const controller of calls) controller.abort();
      agent.destroy();
      const registries = [...retired, ...(current ? [current.registry] : [])];
      retired.clear();
      current = undefined;
      await Promise.allSettled(registries.map((r) => r.close()));
    },
  };
}

/** One call's context: its endpoint and bounds, and how its errors are made. */
interface Call {
  readonly endpoint: string;
  readonly limits: ClientLimits;
  fail(message: string, code: CallErrorCode, details?: CallErrorDetails): CallError;
  /** The error of a call that ran out of time, or whose client was closed. */
  ended(): CallError;
}

/** The most of a node's detail a CallError's message quotes; `detail` holds it whole. */
const QUOTED = 200;

/**
 * A node's detail as a CallError's message quotes it: the start of it, its control characters escaped. A message is
 * logged, and the node is anyone a registry lists: its detail must not fill the log (up to `maxAnswerBytes`) nor
 * write lines of its own into it.
 */
function quoted(detail: string): string {
  // Never half a surrogate pair at the cut: it would print as a replacement character.
  const end = detail.length <= QUOTED ? detail.length : /[\ud800-\udbff]/.test(detail.charAt(QUOTED - 1)) ? QUOTED - 1 : QUOTED;
  const start = end < detail.length ? `${detail.slice(0, end)}…` : detail;
  return start.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Every control character (C0, DEL, C1), the line and paragraph separators and the bidirectional controls: the set
// the command's printing escapes too (src/cli/printing.ts), spelled in each, as the two bundles share only what the
// main bundle holds (scripts/build.ts).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Resolves or rejects as the promise does, or rejects once the signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('the call ended'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
