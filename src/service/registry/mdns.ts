import type { MulticastDNS, Options as MdnsOptions, ResponsePacket } from 'multicast-dns';
import { parseNode, pollNodes, sortNodes, type Registry, type ServiceNode } from './registry.ts';

/** Options of the mDNS registry. */
export interface MdnsRegistryOptions {
  /** The interface to send from (an address). Pin `127.0.0.1` to keep packets on this host. */
  interface?: string | undefined;
  /** What to bind to (default: multicast-dns' choice); with `interface: '127.0.0.1'` use `224.0.0.251`. */
  bind?: string | undefined;
  /** The UDP port (default 5353). */
  port?: number | undefined;
  /** The domain (default `local`). */
  domain?: string | undefined;
  /** How long a lookup collects answers (ms, default 100). */
  timeout?: number | undefined;
  /** How often a watch looks again (ms, default 1000). */
  interval?: number | undefined;
}

interface Published {
  node: ServiceNode;
  ttl: number;
  expires: number;
}

const CHUNK = 200;

/**
 * Services found by multicast DNS, as go-micro's default registry: each node answers queries for
 * `<service>._micro._tcp.<domain>` with a TXT record describing it, for as long as its process runs.
 */
export function mdnsRegistry(options: MdnsRegistryOptions = {}): Registry {
  const domain = options.domain ?? 'local';
  const timeout = options.timeout ?? 100;
  const published = new Map<string, Published>();
  let socket: Promise<MulticastDNS> | undefined;
  const nameOf = (service: string) => `${service}._micro._tcp.${domain}`;

  const records = (service: string, goodbye = false) =>
    [...published.values()]
      .filter(({ node, expires }) => node.service === service && expires > Date.now())
      .map(({ node, ttl }) => ({
        name: nameOf(service),
        type: 'TXT' as const,
        ttl: goodbye ? 0 : Math.max(1, Math.ceil(ttl / 1000)),
        // A TXT string holds 255 bytes at most: the node's JSON is cut into numbered pieces.
        data: chunks(JSON.stringify(node)),
      }));

  function open(): Promise<MulticastDNS> {
    socket ??= import('multicast-dns').then(({ default: multicastDns }) => {
      const config: MdnsOptions = { reuseAddr: true, loopback: true };
      if (options.interface !== undefined) config.interface = options.interface;
      if (options.bind !== undefined) config.bind = options.bind;
      if (options.port !== undefined) config.port = options.port;
      const mdns = multicastDns(config);
      mdns.on('query', (query) => {
        for (const question of query.questions) {
          if (question.type !== 'TXT' && (question.type as string) !== 'ANY') continue;
          const service = serviceOf(question.name, domain);
          if (service === undefined) continue;
          const answers = records(service);
          if (answers.length > 0) mdns.respond({ answers });
        }
      });
      mdns.on('error', () => {
        // A send failing on an interface is not fatal; lookups simply find fewer nodes.
      });
      return mdns;
    });
    return socket;
  }

  async function lookup(service: string): Promise<ServiceNode[]> {
    const mdns = await open();
    const found = new Map<string, ServiceNode>();
    for (const { node, expires } of published.values()) if (node.service === service && expires > Date.now()) found.set(node.id, node);
    const name = nameOf(service);
    const onResponse = (response: ResponsePacket) => {
      for (const answer of [...response.answers, ...(response.additionals ?? [])]) {
        if (answer.name !== name || answer.type !== 'TXT' || answer.ttl === 0) continue;
        const node = parseNode(unchunk(answer.data as Buffer[]));
        if (node) found.set(node.id, node);
      }
    };
    mdns.on('response', onResponse);
    try {
      mdns.query({ questions: [{ name, type: 'TXT' }] });
      await new Promise((resolve) => setTimeout(resolve, timeout));
    } finally {
      mdns.removeListener('response', onResponse);
    }
    return sortNodes([...found.values()]);
  }

  return {
    kind: 'mdns',
    async register(node, ttl) {
      const mdns = await open();
      const fresh = !published.has(node.id);
      published.set(node.id, { node, ttl, expires: Date.now() + ttl });
      if (fresh) mdns.respond({ answers: records(node.service) });
    },
    async deregister(node) {
      const entry = published.get(node.id);
      if (!entry) return;
      const mdns = await open();
      mdns.respond({ answers: records(node.service, true).filter((record) => unchunk(record.data).includes(`"id":${JSON.stringify(node.id)}`)) });
      published.delete(node.id);
    },
    lookup,
    watch: (service, signal) => pollNodes(() => lookup(service), options.interval ?? 1000, signal),
    async close() {
      published.clear();
      const mdns = await socket;
      socket = undefined;
      await new Promise<void>((resolve) => (mdns ? mdns.destroy(() => resolve()) : resolve()));
    },
  };
}

function serviceOf(name: string, domain: string): string | undefined {
  const suffix = `._micro._tcp.${domain}`;
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK) out.push(`${String(out.length).padStart(3, '0')}${text.slice(i, i + CHUNK)}`);
  return out;
}

function unchunk(data: readonly (Buffer | string)[]): string {
  return data
    .map((piece) => piece.toString())
    .sort()
    .map((piece) => piece.slice(3))
    .join('');
}
