import type { Etcd3, Lease } from 'etcd3';
import { loadOptional } from '../../optional.ts';
import { ownOptions, stringList } from '../../option-checks.ts';
import { distinctNodes, parseNode, sortNodes, type Registry, type ServiceNode } from './registry.ts';

/** Options of the etcd registry. */
export interface EtcdRegistryOptions {
  /** etcd endpoints (default `http://127.0.0.1:2379`). */
  hosts?: string | readonly string[] | undefined;
  /** Where nodes are kept (default `/micro/registry`); a node is `<prefix>/<service>/<id>`. */
  prefix?: string | undefined;
  /** etcd user name and password. */
  auth?: { username: string; password: string } | undefined;
}

/** Nodes as keys under a prefix in etcd, each bound to a lease of its TTL that every registration renews. */
export function etcdRegistry(options: EtcdRegistryOptions = {}): Registry {
  options = ownOptions(options);
  const hosts = stringList(options.hosts, 'hosts', { source: 'etcd registry', single: true }) ?? ['http://127.0.0.1:2379'];
  const prefix = (options.prefix ?? '/micro/registry').replace(/\/+$/, '');
  const leases = new Map<string, { lease: Lease; ttl: number }>();
  let client: Promise<Etcd3> | undefined;
  const connect = () =>
    (client ??= loadOptional('etcd3', 'the etcd registry', () => import('etcd3')).then(({ Etcd3 }) => new Etcd3({ hosts, auth: options.auth, dialTimeout: 3000 })));
  const key = (node: ServiceNode) => `${prefix}/${node.service}/${node.id}`;

  async function lookup(service: string): Promise<ServiceNode[]> {
    const etcd = await connect();
    const values = await etcd.getAll().prefix(`${prefix}/${service}/`).strings();
    return sortNodes(Object.values(values).flatMap((text) => parseNode(text) ?? []));
  }

  return {
    kind: 'etcd',
    address: hosts.map(withoutCredentials).join(','),
    async register(node, ttl) {
      const etcd = await connect();
      const seconds = Math.max(1, Math.ceil(ttl / 1000));
      let held = leases.get(node.id);
      if (held && held.ttl !== seconds) {
        await held.lease.revoke().catch(() => {});
        held = undefined;
      }
      if (held) {
        // Each registration renews the lease once, so a node its process stops refreshing (hung, or killed)
        // disappears when its TTL ends, as in the other registries. A lease that already ended is replaced.
        const renewed = await held.lease.keepaliveOnce().then(
          () => true,
          () => false,
        );
        if (!renewed) held = undefined;
      }
      if (!held) {
        const lease = etcd.lease(seconds, { autoKeepAlive: false });
        lease.on('lost', () => {
          if (leases.get(node.id)?.lease === lease) leases.delete(node.id);
        });
        held = { lease, ttl: seconds };
        leases.set(node.id, held);
      }
      await held.lease.put(key(node)).value(JSON.stringify(node));
    },
    async deregister(node) {
      const held = leases.get(node.id);
      leases.delete(node.id);
      const etcd = await connect();
      await etcd.delete().key(key(node));
      await held?.lease.revoke().catch(() => {});
    },
    lookup,
    async *watch(service, signal) {
      const etcd = await connect();
      const watcher = await etcd.watch().prefix(`${prefix}/${service}/`).create();
      // Each change under the service's prefix calls for a fresh look-up; one that comes during a look-up is kept
      // for the next round rather than lost.
      let dirty = false;
      let wake: (() => void) | undefined;
      const notify = () => {
        dirty = true;
        wake?.();
      };
      watcher.on('data', notify);
      signal.addEventListener('abort', notify, { once: true });
      const changed = async () => {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        dirty = false;
        wake = undefined;
        return !signal.aborted;
      };
      try {
        yield* distinctNodes(() => lookup(service), changed, signal);
      } finally {
        await watcher.cancel().catch(() => {});
      }
    },
    async close() {
      await Promise.all([...leases.values()].map(({ lease }) => lease.revoke().catch(() => {})));
      leases.clear();
      const etcd = await client?.catch(() => undefined);
      etcd?.close();
    },
  };
}

/** An endpoint as it may be printed: a URL's user and password left out. */
function withoutCredentials(host: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host)?.[0] ?? '';
  const rest = host.slice(scheme.length);
  const at = rest.lastIndexOf('@', rest.includes('/') ? rest.indexOf('/') : rest.length);
  return scheme + rest.slice(at + 1);
}
