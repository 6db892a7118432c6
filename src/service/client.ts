import { Agent, request as httpRequest } from 'node:http';
import type { Config } from '../index.ts';
import { createRegistry, registrySpec } from './registry/index.ts';
import type { Registry, ServiceNode } from './registry/registry.ts';

/** Why a call failed. */
export type CallErrorCode = 'TIMEOUT' | 'NOT_FOUND' | 'REMOTE' | 'BAD_REQUEST';

/** A call that failed: the endpoint is unknown, the handler threw, or no node answered in time. */
export class CallError extends Error {
  override readonly name = 'CallError';
  /** Why. */
  readonly code: CallErrorCode;
  /** The service called. */
  readonly service: string;
  /** The endpoint called. */
  readonly endpoint: string;

  constructor(message: string, code: CallErrorCode, service: string, endpoint: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.service = service;
    this.endpoint = endpoint;
  }
}

/** Options of one call. */
export interface CallOptions {
  /** How long the call may take, retries included (ms; default `client.timeout`, else 5 s). */
  timeout?: number | undefined;
}

/** Calls services found in the configured registry. */
export interface Client {
  /** Calls `endpoint` (`Popular.Ping`) of a service with a JSON request; resolves with its JSON answer. */
  call<T = unknown>(service: string, endpoint: string, request?: unknown, options?: CallOptions): Promise<T>;
  /** Closes connections and registries. */
  close(): Promise<void>;
}

/** Options of `createClient`. */
export interface ClientOptions {
  /** Where the registry, the selector and the timeout come from. */
  config: Config;
}

/**
 * Creates a client. Config keys: `registry` and `registries.<kind>.*` (as the service's), `client.timeout`
 * (default `5s`), `client.selector` (`random`, the default, or `roundrobin`). A registry change is followed on the
 * next call. A node that refuses or drops a connection is skipped for another; while no node is found (a registry
 * being switched) the call looks again until its timeout.
 */
export function createClient(options: ClientOptions): Client {
  const { config } = options;
  const agent = new Agent({ keepAlive: true });
  const retired = new Set<Registry>();
  const turns = new Map<string, number>();
  let current: { key: string; registry: Registry } | undefined;
  let closed = false;

  function registry(): Registry {
    const spec = registrySpec(config);
    if (current?.key !== spec.key) {
      if (current) {
        // Calls may still be looking nodes up in the old registry: close it a little later.
        const old = current.registry;
        retired.add(old);
        setTimeout(() => {
          retired.delete(old);
          void old.close().catch(() => {});
        }, 5000).unref();
      }
      current = { key: spec.key, registry: createRegistry(spec, config) };
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

  function post(node: ServiceNode, endpoint: string, body: string, ms: number): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const cut = node.address.lastIndexOf(':');
      const req = httpRequest(
        {
          agent,
          host: node.address.slice(0, cut).replace(/^\[|\]$/g, ''),
          port: Number(node.address.slice(cut + 1)),
          method: 'POST',
          path: `/${encodeURIComponent(endpoint)}`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: ms,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    async call<T>(service: string, endpoint: string, request?: unknown, callOptions: CallOptions = {}): Promise<T> {
      if (closed) throw new CallError('the client is closed', 'BAD_REQUEST', service, endpoint);
      const timeout = callOptions.timeout ?? config.get('client.timeout').duration(5000);
      const deadline = Date.now() + timeout;
      const body = JSON.stringify(request ?? null);
      const failed = new Set<string>();
      let lastError: unknown;
      while (Date.now() < deadline) {
        let nodes: ServiceNode[];
        try {
          nodes = (await registry().lookup(service)).filter((node) => !failed.has(node.id));
        } catch (error) {
          nodes = [];
          lastError = error;
        }
        if (nodes.length === 0) {
          // A registry being switched, or a service restarting: look again shortly.
          failed.clear();
          await new Promise((resolve) => setTimeout(resolve, 25));
          continue;
        }
        const node = select(service, nodes);
        let answer: { status: number; text: string };
        try {
          answer = await post(node, endpoint, body, Math.max(1, deadline - Date.now()));
        } catch (error) {
          // The node is gone or going (refused, reset, timed out): try another.
          failed.add(node.id);
          lastError = error;
          continue;
        }
        const payload = parse(answer.text);
        if (answer.status === 200) return payload as T;
        const message = (payload as { error?: string } | undefined)?.error ?? `HTTP ${answer.status}`;
        const code: CallErrorCode = answer.status === 404 ? 'NOT_FOUND' : answer.status === 400 ? 'BAD_REQUEST' : 'REMOTE';
        throw new CallError(`${service} ${endpoint}: ${message}`, code, service, endpoint);
      }
      throw new CallError(`${service} ${endpoint}: no node answered within ${timeout} ms`, 'TIMEOUT', service, endpoint, lastError);
    },
    async close() {
      closed = true;
      agent.destroy();
      const registries = [...retired, ...(current ? [current.registry] : [])];
      retired.clear();
      current = undefined;
      await Promise.allSettled(registries.map((r) => r.close()));
    },
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
