import { createChannel } from '../../channel.ts';
import { MAX_DELAY } from '../../option-checks.ts';
import { distinctNodes, sortNodes, type Registry, type ServiceNode } from './registry.ts';

interface Entry {
  node: ServiceNode;
  expires: number;
  /** Removes the entry, and tells watchers, when it is not refreshed in time. */
  timer: ReturnType<typeof setTimeout>;
}

/** The nodes of one service, and news of them: a look-up or a watch costs the nodes of its service, not all. */
interface Service {
  entries: Map<string, Entry>;
  changed: ReturnType<typeof createChannel<void>>;
}

/** A namespace: each node by id (an id is one node, whichever service it registers under), and by service. */
interface Space {
  byId: Map<string, Entry>;
  services: Map<string, Service>;
}

const spaces = new Map<string, Space>();

/**
 * A registry inside one process: services and clients that share a namespace (default `default`) see each other.
 * Entries expire when not refreshed within their TTL, as in the other registries.
 */
export function memoryRegistry(options: { namespace?: string } = {}): Registry {
  const namespace = options.namespace ?? 'default';
  let space = spaces.get(namespace);
  if (!space) {
    space = { byId: new Map(), services: new Map() };
    spaces.set(namespace, space);
  }
  const { byId, services } = space;
  const serviceOf = (name: string): Service => {
    let service = services.get(name);
    if (!service) services.set(name, (service = { entries: new Map(), changed: createChannel<void>() }));
    return service;
  };
  const remove = (entry: Entry) => {
    clearTimeout(entry.timer);
    byId.delete(entry.node.id);
    serviceOf(entry.node.service).entries.delete(entry.node.id);
  };

  const live = (name: string) => {
    const now = Date.now();
    const nodes: ServiceNode[] = [];
    for (const entry of services.get(name)?.entries.values() ?? []) {
      if (entry.expires <= now) remove(entry);
      else nodes.push(entry.node);
    }
    return sortNodes(nodes);
  };

  return {
    kind: 'memory',
    address: `namespace ${namespace}`,
    async register(node, ttl) {
      const before = byId.get(node.id);
      if (before) remove(before);
      // A TTL past the longest timer (24.8 days) is taken as that: a longer timer would fire at once.
      const lasting = Math.min(ttl, MAX_DELAY);
      const entry: Entry = { node, expires: Date.now() + lasting, timer: undefined as never };
      // Unreferenced: an expiry due later never keeps a process alive.
      entry.timer = setTimeout(() => {
        if (byId.get(node.id) !== entry) return;
        remove(entry);
        serviceOf(node.service).changed.push();
      }, lasting).unref();
      byId.set(node.id, entry);
      serviceOf(node.service).entries.set(node.id, entry);
      if (!before || JSON.stringify(before.node) !== JSON.stringify(node)) {
        // A node that moved to another service left the one it was in.
        if (before && before.node.service !== node.service) serviceOf(before.node.service).changed.push();
        serviceOf(node.service).changed.push();
      }
    },
    async deregister(node) {
      const entry = byId.get(node.id);
      if (!entry) return;
      remove(entry);
      serviceOf(entry.node.service).changed.push();
    },
    lookup: async (service) => live(service),
    watch(service, signal) {
      // The channel keeps only the latest news: every wake-up re-checks the service.
      const news = serviceOf(service).changed.subscribe(signal)[Symbol.asyncIterator]();
      return distinctNodes(
        async () => live(service),
        async () => !(await news.next()).done,
        signal,
      );
    },
    close: async () => {},
  };
}
