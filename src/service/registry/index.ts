import { ConfigError, type Config } from '../../index.ts';
import { isLoopback, parseListenAddress } from '../address.ts';
import { consulRegistry } from './consul.ts';
import { etcdRegistry } from './etcd.ts';
import { mdnsRegistry } from './mdns.ts';
import { memoryRegistry } from './memory.ts';
import type { Registry } from './registry.ts';

export { RegistryError } from './registry.ts';
export type { Registry, RegistryErrorCode, ServiceNode } from './registry.ts';
export { consulRegistry, etcdRegistry, mdnsRegistry, memoryRegistry };
export type { ConsulRegistryOptions } from './consul.ts';
export type { EtcdRegistryOptions } from './etcd.ts';
export type { MdnsRegistryOptions } from './mdns.ts';

/** The registry kinds microconf's runtime knows. */
export const registryKinds = ['memory', 'mdns', 'consul', 'etcd'] as const;
/** One of the registry kinds. */
export type RegistryKind = (typeof registryKinds)[number];

/** Which registry a config asks for: `registry` names the kind, `registries.<kind>` holds its options. */
export interface RegistrySpec {
  /** The kind. */
  readonly kind: RegistryKind;
  /** Its options, as configured. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Equal for equal specs: a change of it means a new registry. */
  readonly key: string;
}

/**
 * Reads the registry spec from a config: `registry` (default `mdns`) and `registries.<kind>`. The two names are
 * apart on purpose: `MICRO_REGISTRY=etcd` and `MICRO_REGISTRIES_ETCD_HOSTS=…` never collide, as `registry` and
 * `registry.address` would (a key cannot be a string and hold keys at once).
 */
export function registrySpec(config: Config): RegistrySpec {
  const wanted = config.get('registry').string('mdns').toLowerCase();
  const kind = (registryKinds as readonly string[]).includes(wanted) ? (wanted as RegistryKind) : undefined;
  if (!kind) throw new ConfigError(`unknown registry kind (known: ${registryKinds.join(', ')})`, { code: 'INVALID_OPTION', path: 'registry' });
  const options = config.get('registries', kind).scan<Record<string, unknown>>({});
  return { kind, options, key: `${kind}:${JSON.stringify(options, Object.keys(options).sort())}` };
}

/** Creates the registry a spec describes. */
export function createRegistry(spec: RegistrySpec, config: Config): Registry {
  const options = config.get('registries', spec.kind);
  const text = (key: string) => (options.get(key).exists() ? options.get(key).string() : undefined);
  const number = (key: string) => (options.get(key).exists() ? options.get(key).int(0) : undefined);
  switch (spec.kind) {
    case 'memory':
      return memoryRegistry({ namespace: text('namespace') });
    case 'mdns':
      return mdnsRegistry({
        ...mdnsInterface({ interface: text('interface'), bind: text('bind') }, parseListenAddress(config.get('server.address').string('')).host),
        port: number('port'),
        domain: text('domain'),
      });
    case 'consul':
      // A duration (`300ms`, or a number of ms); one that is none is refused by the registry, naming the option.
      return consulRegistry({ address: text('address'), token: text('token'), dc: text('dc'), timeout: options.get('timeout').exists() ? options.get('timeout').duration(Number.NaN) : undefined });
    case 'etcd':
      return etcdRegistry({ hosts: options.get('hosts').stringSlice(['http://127.0.0.1:2379']), prefix: text('prefix') });
  }
}

/** The interface options of multicast DNS. */
export interface MdnsInterface {
  readonly interface: string | undefined;
  readonly bind: string | undefined;
}

/**
 * Where multicast DNS sends and listens: as configured, else on loopback when the server listens on loopback (its
 * address is reachable from this host only, so nothing is sent or heard on any other interface), else everywhere.
 * Clients read the same `server.address` (default 127.0.0.1) and so meet a local service on loopback.
 */
export function mdnsInterface(configured: MdnsInterface, serverHost: string): MdnsInterface {
  if (configured.interface !== undefined || configured.bind !== undefined || !isLoopback(serverHost)) return configured;
  return { interface: '127.0.0.1', bind: '224.0.0.251' };
}
