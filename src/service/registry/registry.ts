import { ConfigError } from '../../errors.ts';
import type { AbortSignalLike } from '../../index.ts';
import { failureReason } from '../../failure-reason.ts';
import { sleep } from '../../sleep.ts';
import { splitAddress } from '../address.ts';
import { MAX_DELAY } from '../../option-checks.ts';

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
  /** Where it is (`127.0.0.1:8500`), for messages; never with credentials. */
  readonly address: string;
  /** Registers (or refreshes) a node for `ttl` ms: a node not refreshed in time disappears. */
  register(node: ServiceNode, ttl: number): Promise<void>;
  /** Removes a node at once. */
  deregister(node: ServiceNode): Promise<void>;
  /** The live nodes of a service. */
  lookup(service: string): Promise<ServiceNode[]>;
  /** The nodes of a service now, then each time they change, until the signal aborts. */
  watch(service: string, signal: AbortSignalLike): AsyncIterable<ServiceNode[]>;
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

/** The largest stored node read back (bytes of JSON); a registry holding more is answering garbage. */
const MAX_NODE_TEXT = 64 * 1024;

/**
 * Reads a stored node; undefined for anything that is not one (a registry answering garbage, a node from another
 * program). Its address must be `host:port` or `[v6]:port`; metadata keeps string values only, in a fresh object.
 */
export function parseNode(text: string): ServiceNode | undefined {
  if (text.length > MAX_NODE_TEXT) return undefined;
  let value: Partial<Record<keyof ServiceNode, unknown>>;
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  // Own fields only: a field the node lacks would otherwise be read from a polluted Object.prototype.
  const field = (name: keyof ServiceNode): unknown => (Object.hasOwn(value, name) ? value[name] : undefined);
  const [id, service, version, address, metadata] = [field('id'), field('service'), field('version'), field('address'), field('metadata')];
  if (typeof id !== 'string' || typeof service !== 'string' || typeof address !== 'string' || !splitAddress(address)) return undefined;
  return { id, service, version: typeof version === 'string' ? version : '', address, metadata: stringsOf(metadata) };
}

/** The string-valued entries of a value, in an object of its own (`__proto__` and friends dropped). */
export function stringsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && key !== '__proto__' && key !== 'constructor' && key !== 'prototype') out[key] = item;
  }
  return out;
}

/** Why a registry failed an operation. */
export type RegistryErrorCode = 'UNREACHABLE' | 'TIMEOUT';

/** A registry that could not be reached, or did not answer in time; names its kind and address. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  /** Why. */
  readonly code: RegistryErrorCode;
  /** The registry's kind (`consul`). */
  readonly registry: string;
  /** Where it is. */
  readonly address: string;

  constructor(registry: Pick<Registry, 'kind' | 'address'>, action: string, code: RegistryErrorCode, cause?: unknown) {
    const why = code === 'TIMEOUT' ? 'did not answer in time' : `is unreachable (${failureReason(cause)})`;
    super(`${registry.kind} registry at ${registry.address} ${why}: could not ${action}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.registry = registry.kind;
    this.address = registry.address;
  }
}

/**
 * Runs a registry operation within `ms`; a failure or a timeout becomes a RegistryError naming the registry. The
 * operation's signal aborts at the timeout, for an operation that can end what it left running (a request).
 */
export async function withinTime<T>(registry: Pick<Registry, 'kind' | 'address'>, action: string, ms: number, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new AbortController();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RegistryError(registry, action, 'TIMEOUT'));
      expired.abort();
    }, Math.min(ms, MAX_DELAY));
  });
  try {
    return await Promise.race([
      operation(expired.signal).catch((error: unknown) => {
        // A client package that is not installed is no fault of the registry's: its own error says what to install;
        // nor is a name the registry cannot carry (an mDNS label past 63 bytes): its error says why.
        if (error instanceof RegistryError || (error instanceof ConfigError && (error.code === 'MISSING_PACKAGE' || error.code === 'INVALID_OPTION'))) throw error;
        throw new RegistryError(registry, action, 'UNREACHABLE', error);
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
