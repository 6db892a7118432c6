import type Consul from 'consul';
import { pollNodes, sortNodes, type Registry, type ServiceNode } from './registry.ts';

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
}

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Meta?: Record<string, string> | null };
}

/**
 * Nodes registered with the Consul agent, each with a TTL check the service passes while it runs; a node whose
 * check lapses is no longer returned (only passing nodes are looked up) and is removed by Consul after a minute.
 */
export function consulRegistry(options: ConsulRegistryOptions = {}): Registry {
  const address = options.address ?? process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
  const url = new URL(/^[a-z]+:\/\//i.test(address) ? address : `http://${address}`);
  const token = options.token ?? process.env.CONSUL_HTTP_TOKEN;
  const registered = new Map<string, number>();
  let client: Promise<Consul> | undefined;
  const connect = () =>
    (client ??= import('consul').then(
      ({ default: ConsulClient }) =>
        new ConsulClient({
          host: url.hostname,
          port: Number(url.port || 8500),
          secure: url.protocol === 'https:',
          defaults: { ...(token ? { token } : {}), ...(options.dc ? { dc: options.dc } : {}) },
        }),
    ));

  async function lookup(service: string): Promise<ServiceNode[]> {
    const consul = await connect();
    const entries = ((await consul.health.service({ service, passing: true })) ?? []) as unknown as HealthEntry[];
    return sortNodes(
      entries.map(({ Service: s }) => {
        const { version = '', ...metadata } = s.Meta ?? {};
        return { id: s.ID, service: s.Service, version, address: `${s.Address}:${s.Port}`, metadata };
      }),
    );
  }

  return {
    kind: 'consul',
    async register(node, ttl) {
      const consul = await connect();
      const seconds = Math.max(1, Math.ceil(ttl / 1000));
      if (registered.get(node.id) !== seconds) {
        const [host = '127.0.0.1', port = '0'] = splitAddress(node.address);
        await consul.agent.service.register({
          name: node.service,
          id: node.id,
          address: host,
          port: Number(port),
          meta: { ...node.metadata, version: node.version },
          check: { ttl: `${seconds}s`, deregistercriticalserviceafter: '1m' },
        } as never);
        registered.set(node.id, seconds);
      }
      await consul.agent.check.pass({ id: `service:${node.id}` });
    },
    async deregister(node) {
      registered.delete(node.id);
      const consul = await connect();
      await consul.agent.service.deregister(node.id);
    },
    lookup,
    watch: (service, signal) => pollNodes(() => lookup(service), options.interval ?? 1000, signal),
    async close() {
      const consul = await client?.catch(() => undefined);
      consul?.destroy();
    },
  };
}

/** `host:port` → [host, port], IPv6 brackets removed. */
export function splitAddress(address: string): [string, string] {
  const cut = address.lastIndexOf(':');
  return [address.slice(0, cut).replace(/^\[|\]$/g, ''), address.slice(cut + 1)];
}
