import { EventEmitter } from 'node:events';
import type Consul from 'consul';
import { delayOption, ownOptions } from '../../option-checks.ts';
import { loadOptional } from '../../optional.ts';
import { capAnswers } from '../../sources/capped-agent.ts';
import { consulUrl } from '../../sources/consul-address.ts';
import { formatAddress, splitAddress } from '../address.ts';
import { pollNodes, sortNodes, stringsOf, withinTime, type Registry, type ServiceNode } from './registry.ts';

/** The largest answer read from the agent: a health listing of thousands of nodes is a few MiB. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Options of the Consul registry. */
export interface ConsulRegistryOptions {
  /** `host:port` or a URL of the agent (default `CONSUL_HTTP_ADDR`, else `127.0.0.1:8500`). */
  address?: string | undefined;
  /** ACL token (default `CONSUL_HTTP_TOKEN`). */
  token?: string | undefined;
  /** Datacenter. */
  dc?: string | undefined;
  /** How often a watch looks again (ms, default 1000). */
  interval?: number | undefined;
  /**
   * How long one request to the agent may take (ms, default 5000), as `consulSource`'s: past it, the request is
   * ended and the call fails with a RegistryError (`TIMEOUT`), as does an answer that stops midway for as long.
   */
  timeout?: number | undefined;
}

/** A node from a health answer; undefined for an entry that is not one (an agent answering garbage). */
function nodeOf(entry: unknown): ServiceNode | undefined {
  const service = (entry as { Service?: unknown } | null)?.Service as Record<string, unknown> | null | undefined;
  if (typeof service !== 'object' || service === null) return undefined;
  const { ID: id, Service: name, Address: host, Port: port } = service;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof host !== 'string' || host === '') return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const { version = '', ...metadata } = stringsOf(service.Meta);
  return { id, service: name, version, address: formatAddress(host, port), metadata };
}

/**
 * Nodes registered with the Consul agent, each with a TTL check the service passes while it runs; a node whose
 * check lapses is no longer returned (only passing nodes are looked up) and is removed by Consul after a minute.
 */
export function consulRegistry(options: ConsulRegistryOptions = {}): Registry {
  options = ownOptions(options);
  const address = options.address ?? process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
  const url = consulUrl(address, 'consul registry');
  const token = options.token ?? process.env.CONSUL_HTTP_TOKEN;
  const interval = delayOption(options.interval, 'interval', { source: 'consul registry' }) ?? 1000;
  const timeout = delayOption(options.timeout, 'timeout', { source: 'consul registry' }) ?? 5000;
  const registered = new Map<string, number>();
  let client: Promise<Consul> | undefined;
  const secure = url.protocol === 'https:';
  const connect = () =>
    (client ??= Promise.all([loadOptional('consul', 'the Consul registry', () => import('consul')), secure ? import('node:https') : import('node:http')]).then(
      ([{ default: ConsulClient }, transport]) =>
        new ConsulClient({
          host: url.hostname,
          port: Number(url.port || 8500),
          secure,
          // The client reads an answer whole before handing it over: one larger than any health listing is cut off,
          // and one whose connection closes before its end fails at once. One that stalls midway ends at the
          // request's timeout (see `request`), which bounds the whole request: no pause bound is needed besides.
          agent: capAnswers(new transport.Agent({ keepAlive: false }), () => MAX_ANSWER_BYTES),
          defaults: { ...(token ? { token } : {}), ...(options.dc ? { dc: options.dc } : {}) },
        }),
    ));

  const where = { kind: 'consul', address: url.host };

  /**
   * One request to the agent, within `timeout`: the client's own wait has no end of ours (an agent that takes the
   * connection and never answers held a look-up, a registration, `service.stop()`), so the request is ended there
   * through the client's cancel and the call fails with a TIMEOUT naming the registry.
   */
  async function request<T>(action: string, send: (consul: Consul, options: { ctx: EventEmitter }) => Promise<T>): Promise<T> {
    // Outside the time: loading the client is no wait on the agent.
    const consul = await connect();
    return withinTime(where, action, timeout, async (signal) => {
      const ctx = new EventEmitter();
      const cancel = () => ctx.emit('cancel');
      signal.addEventListener('abort', cancel, { once: true });
      try {
        return await send(consul, { ctx });
      } finally {
        signal.removeEventListener('abort', cancel);
      }
    });
  }

  async function lookup(service: string): Promise<ServiceNode[]> {
    const entries: unknown = await request(`look up ${service}`, (consul, options) => consul.health.service({ service, passing: true, ...options } as never));
    return sortNodes((Array.isArray(entries) ? entries : []).flatMap((entry) => nodeOf(entry) ?? []));
  }

  return {
    ...where,
    async register(node, ttl) {
      const action = `register ${node.service}`;
      const seconds = Math.max(1, Math.ceil(ttl / 1000));
      if (registered.get(node.id) !== seconds) {
        const { host, port } = splitAddress(node.address) ?? { host: '127.0.0.1', port: 0 };
        await request(action, (consul, options) =>
          consul.agent.service.register({
            name: node.service,
            id: node.id,
            address: host,
            port,
            meta: { ...node.metadata, version: node.version },
            check: { ttl: `${seconds}s`, deregistercriticalserviceafter: '1m' },
            ...options,
          } as never),
        );
        registered.set(node.id, seconds);
      }
      await request(action, (consul, options) => consul.agent.check.pass({ id: `service:${node.id}`, ...options } as never));
    },
    async deregister(node) {
      registered.delete(node.id);
      await request(`deregister ${node.service}`, (consul, options) => consul.agent.service.deregister({ id: node.id, ...options } as never));
    },
    lookup,
    watch: (service, signal) => pollNodes(() => lookup(service), interval, signal),
    async close() {
      const consul = await client?.catch(() => undefined);
      consul?.destroy();
    },
  };
}
