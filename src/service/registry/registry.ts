import { sleep } from '../../sleep.ts';

/** One running instance of a service, as a registry holds it. */
export interface ServiceNode {
  /** Unique per instance. */
  readonly id: string;
  /** The service's name (`popular`). */
  readonly service: string;
  /** The service's version. */
  readonly version: string;
  /** Where it listens: `host:port`. */
  readonly address: string;
  /** Free-form labels. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Where services announce themselves and are looked up. */
export interface Registry {
  /** `memory`, `mdns`, `consul` or `etcd`. */
  readonly kind: string;
  /** Registers (or refreshes) a node for `ttl` ms: a node not refreshed in time disappears. */
  register(node: ServiceNode, ttl: number): Promise<void>;
  /** Removes a node at once. */
  deregister(node: ServiceNode): Promise<void>;
  /** The live nodes of a service. */
  lookup(service: string): Promise<ServiceNode[]>;
  /** The nodes of a service now, then each time they change, until the signal aborts. */
  watch(service: string, signal: AbortSignal): AsyncIterable<ServiceNode[]>;
  /** Releases sockets, timers and clients. */
  close(): Promise<void>;
}

/** Orders nodes so that equal sets compare equal. */
export function sortNodes(nodes: readonly ServiceNode[]): ServiceNode[] {
  return [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The nodes of a service now, then after each wake-up (until `next` answers false or the signal aborts), yielded
 * whenever the set differs from the last one yielded. A lookup that answers undefined is skipped.
 */
export async function* distinctNodes(
  lookup: () => Promise<ServiceNode[] | undefined>,
  next: () => Promise<boolean>,
  signal: AbortSignal,
): AsyncGenerator<ServiceNode[]> {
  let last: string | undefined;
  while (!signal.aborted) {
    const found = await lookup();
    if (found) {
      const nodes = sortNodes(found);
      const key = JSON.stringify(nodes);
      if (key !== last) {
        last = key;
        yield nodes;
      }
    }
    if (!(await next())) return;
  }
}

/** A watch built on lookups: polls every `interval` ms; a registry unreachable for now is tried again next round. */
export function pollNodes(lookup: () => Promise<ServiceNode[]>, interval: number, signal: AbortSignal): AsyncGenerator<ServiceNode[]> {
  return distinctNodes(
    () => lookup().catch(() => undefined),
    () => sleep(interval, signal).then(() => true),
    signal,
  );
}

/** Parses a stored node; undefined for anything that is not one. */
export function parseNode(text: string): ServiceNode | undefined {
  try {
    const value = JSON.parse(text) as Partial<ServiceNode>;
    if (typeof value.id !== 'string' || typeof value.service !== 'string' || typeof value.address !== 'string') return undefined;
    return {
      id: value.id,
      service: value.service,
      version: typeof value.version === 'string' ? value.version : '',
      address: value.address,
      metadata: typeof value.metadata === 'object' && value.metadata !== null ? value.metadata : {},
    };
  } catch {
    return undefined;
  }
}
