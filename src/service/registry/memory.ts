import { createChannel } from '../../channel.ts';
import { MAX_DELAY, ownOptions } from '../../option-checks.ts';
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
  /** Watches open on it: a service with neither nodes nor watches is forgotten. */
  watches: number;
}

/** A namespace: each node by id (an id is one node, whichever service it registers under), and by service. */
interface Space {
  byId: Map<string, Entry>;
  services: Map<string, Service>;
}

const spaces = new Map<string, Space>();

/** How many services a namespace holds nodes or watches of (what a test of its upkeep reads). */
export function heldServices(namespace: string): number {
  return spaces.get(namespace)?.services.size ?? 0;
}

/**
 * A registry inside one process: services and clients that share a namespace (default `default`) see each other.
 * Entries expire when not refreshed within their TTL, as in the other registries.
 */
export function memoryRegistry(options: { namespace?: string } = {}): Registry {
  options = ownOptions(options);
  const namespace = options.namespace ?? 'default';
  let space = spaces.get(namespace);
  if (!space) {
    space = { byId: new Map(), services: new Map() };
    spaces.set(namespace, space);
  }
  const { byId, services } = space;
  const serviceOf = (name: string): Service => {
    let service = services.get(name);
    if (!service) services.set(name, (service = { entries: new Map(), changed: createChannel<void>(), watches: 0 }));
    return service;
  };
  // A service left with no node and no watch is forgotten: services come and go by name (a name a deployment, a
  // test), and each name ever registered was otherwise held for the process's life.
  const forgetIfIdle = (name: string, service: Service) => {
    if (service.entries.size === 0 && service.watches === 0 && services.get(name) === service) services.delete(name);
  };
  const remove = (entry: Entry) => {
    clearTimeout(entry.timer);
    byId.delete(entry.node.id);
    services.get(entry.node.service)?.entries.delete(entry.node.id);
  };
  /** Tells a service's watches that its nodes changed; forgets it when it is left idle. */
  const changedIn = (name: string) => {
    const service = services.get(name);
    if (!service) return;
    service.changed.push();
    forgetIfIdle(name, service);
  };

  const live = (name: string) => {
    const now = Date.now();
    const nodes: ServiceNode[] = [];
    const service = services.get(name);
    if (!service) return [];
    for (const entry of service.entries.values()) {
      if (entry.expires <= now) remove(entry);
      else nodes.push(entry.node);
    }
    forgetIfIdle(name, service);
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
        changedIn(node.service);
      }, lasting).unref();
      byId.set(node.id, entry);
      serviceOf(node.service).entries.set(node.id, entry);
      if (!before || JSON.stringify(before.node) !== JSON.stringify(node)) {
        // A node that moved to another service left the one it was in.
        if (before && before.node.service !== node.service) changedIn(before.node.service);
        changedIn(node.service);
      }
    },
    async deregister(node) {
      const entry = byId.get(node.id);
      if (!entry) return;
      remove(entry);
      changedIn(entry.node.service);
    },
    lookup: async (service) => live(service),
    watch(service, signal) {
      const held = serviceOf(service);
      held.watches++;
      let open = true;
      const release = () => {
        if (!open) return;
        open = false;
        signal.removeEventListener('abort', release);
        held.watches--;
        forgetIfIdle(service, held);
      };
      // The channel keeps only the latest news: every wake-up re-checks the service.
      const news = held.changed.subscribe(signal)[Symbol.asyncIterator]();
      const nodes = distinctNodes(
        async () => live(service),
        async () => !(await news.next()).done,
        signal,
      );
      if (signal.aborted) release();
      else signal.addEventListener('abort', release, { once: true });
      // Ended by the signal, or by its reader leaving (a break out of for await).
      return (async function* () {
        try {
          yield* nodes;
        } finally {
          release();
        }
      })();
    },
    close: async () => {},
  };
}
