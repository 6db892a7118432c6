import type { MulticastDNS, Options as MdnsOptions, ResponsePacket } from 'multicast-dns';
import { parseNode, pollNodes, sortNodes, type Registry, type ServiceNode } from './registry.ts';
import { ConfigError } from '../../errors.ts';
import { delayOption, ownOptions, portOption } from '../../option-checks.ts';

/** Options of the mDNS registry. */
export interface MdnsRegistryOptions {
  /** The interface to send from and listen on (an address). Pin `127.0.0.1` to keep packets on this host. */
  interface?: string | undefined;
  /**
   * What the socket binds to: by default the group address `224.0.0.251` when an interface is given (bound to the
   * interface's own address, as multicast-dns would, it never hears the group), else every address.
   */
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
const GROUP = '224.0.0.251';

/**
 * Services found by multicast DNS, as go-micro's default registry: each node answers queries for
 * `<service>._micro._tcp.<domain>` with a TXT record describing it, for as long as its process runs.
 */
export function mdnsRegistry(options: MdnsRegistryOptions = {}): Registry {
  options = ownOptions(options);
  const domain = options.domain ?? 'local';
  const port = portOption(options.port, 'port', { source: 'mdns registry' }) ?? 5353;
  const bind = options.bind ?? (options.interface !== undefined ? GROUP : undefined);
  const timeout = delayOption(options.timeout, 'timeout', { source: 'mdns registry' }) ?? 100;
  const interval = delayOption(options.interval, 'interval', { source: 'mdns registry' }) ?? 1000;
  const published = new Map<string, Published>();
  let socket: Promise<MulticastDNS> | undefined;
  const nameOf = (service: string) => dnsName(`${service}._micro._tcp.${domain}`, service);

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
    socket ??= import('multicast-dns').then(async ({ default: multicastDns }) => {
      const config: MdnsOptions = { reuseAddr: true, loopback: true, port };
      if (options.interface !== undefined) config.interface = options.interface;
      if (bind !== undefined) config.bind = bind;
      const mdns = multicastDns(config);
      await joined(mdns).catch((error: unknown) => {
        socket = undefined;
        mdns.destroy();
        throw error;
      });
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
    address: `${bind ?? '0.0.0.0'}:${port} on ${options.interface ?? 'every interface'}`,
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
    watch: (service, signal) => pollNodes(() => lookup(service), interval, signal),
    async close() {
      published.clear();
      const mdns = await socket;
      socket = undefined;
      await new Promise<void>((resolve) => (mdns ? mdns.destroy(() => resolve()) : resolve()));
    },
  };
}

/**
 * Resolves once the socket is bound and has joined the group on an interface; rejects if binding failed, or if no
 * interface could join (an interface address this host does not have), which multicast-dns only warns of.
 */
function joined(mdns: MulticastDNS): Promise<void> {
  return new Promise((resolve, reject) => {
    let member = false;
    let warning: unknown;
    const onInterface = () => (member = true);
    const onWarning = (error: unknown) => (warning ??= error);
    const done = (error?: unknown) => {
      mdns.off('networkInterface', onInterface).off('warning', onWarning).off('ready', onReady).off('error', done);
      if (error !== undefined) reject(error);
      else resolve();
    };
    const onReady = () => done(member ? undefined : (warning ?? new Error('no interface joined the multicast group')));
    mdns.on('networkInterface', onInterface).on('warning', onWarning).once('ready', onReady).once('error', done);
  });
}

/**
 * A service's DNS name, checked: each label 1 to 63 bytes, the name at most 253. multicast-dns fails to send a
 * name that breaks those (a service name of 64 characters), with an error this registry does not hear, so such a
 * service was registered, never found, and its callers timed out without a word.
 */
function dnsName(name: string, service: string): string {
  const labels = name.split('.');
  if (Buffer.byteLength(name) > 253 || labels.some((label) => label === '' || Buffer.byteLength(label) > 63)) {
    throw new ConfigError(`the service name "${service.length > 80 ? `${service.slice(0, 80)}…` : service}" cannot be an mDNS name: it must be 1 to 63 bytes between dots`, {
      code: 'INVALID_OPTION',
      source: 'mdns registry',
    });
  }
  return name;
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
