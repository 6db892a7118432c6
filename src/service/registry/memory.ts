import { createChannel } from '../../channel.ts';
import { MAX_DELAY } from '../../option-checks.ts';
import { distinctNodes, sortNodes, type Registry, type ServiceNode } from './registry.ts';

interface Entry {
  node: ServiceNode;
  expires: number;
  /** Removes the entry, and tells watchers, when it is not refreshed in time. */
  timer: ReturnType<typeof setTimeout>;
}

const spaces = new Map<string, { entries: Map<string, Entry>; changed: ReturnType<typeof createChannel<string>> }>();

/**
 * A registry inside one process: services and clients that share a namespace (default `default`) see each other.
 * Entries expire when not refreshed within their TTL, as in the other registries.
 */
export function memoryRegistry(options: { namespace?: string } = {}): Registry {
  const namespace = options.namespace ?? 'default';
  let space = spaces.get(namespace);
  if (!space) {
    space = { entries: new Map(), changed: createChannel<string>() };
    spaces.set(namespace, space);
  }
  const { entries, changed } = space;

  const live = (service: string) => {
    const now = Date.now();
    const nodes: ServiceNode[] = [];
    for (const [id, entry] of entries) {
      if (entry.expires <= now) {
        clearTimeout(entry.timer);
        entries.delete(id);
      } else if (entry.node.service === service) nodes.push(entry.node);
    }
    return sortNodes(nodes);
  };

  return {
    kind: 'memory',
    address: `namespace ${namespace}`,
    async register(node, ttl) {
      const before = entries.get(node.id);
      if (before) clearTimeout(before.timer);
      // A TTL past the longest timer (24.8 days) is taken as that: a longer timer would fire at once.
      const lasting = Math.min(ttl, MAX_DELAY);
      const entry: Entry = { node, expires: Date.now() + lasting, timer: undefined as never };
      // Unreferenced: an expiry due later never keeps a process alive.
      entry.timer = setTimeout(() => {
        if (entries.get(node.id) !== entry) return;
        entries.delete(node.id);
        changed.push(node.service);
      }, lasting).unref();
      entries.set(node.id, entry);
      if (!before || JSON.stringify(before.node) !== JSON.stringify(node)) changed.push(node.service);
    },
    async deregister(node) {
      const entry = entries.get(node.id);
      if (!entry) return;
      clearTimeout(entry.timer);
      entries.delete(node.id);
      changed.push(node.service);
    },
    lookup: async (service) => live(service),
    watch(service, signal) {
      // The channel keeps only the latest news, so every wake-up re-checks this service, whichever one changed.
      const news = changed.subscribe(signal)[Symbol.asyncIterator]();
      return distinctNodes(
        async () => live(service),
        async () => !(await news.next()).done,
        signal,
      );
    },
    close: async () => {},
  };
}
