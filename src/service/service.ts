import { randomUUID } from 'node:crypto';
import { EventEmitter } from '../events.ts';
import type { Config, Watcher } from '../index.ts';
import { createRegistry, registrySpec, type RegistrySpec } from './registry/index.ts';
import type { Registry, ServiceNode } from './registry/registry.ts';
import { createHandlerServer, type Handler } from './server.ts';

/** Options of `createService`. */
export interface ServiceOptions {
  /** The service's name, as clients call it (`popular`). */
  name: string;
  /** Its version (default `latest`). */
  version?: string | undefined;
  /** Where its registry, address, TTL and handler options come from. */
  config: Config;
  /** Labels published with its node. */
  metadata?: Readonly<Record<string, string>> | undefined;
}

/** A service's events. */
export interface ServiceEvents {
  /** Its node is now registered in a registry (at start, and after a registry change). */
  registered: (registry: string, node: ServiceNode) => void;
  /** Its node left a registry (after a registry change, and at stop). */
  deregistered: (registry: string, node: ServiceNode) => void;
  /** Something failed that the service survives (a refresh, a registry change that could not be made). */
  error: (error: Error) => void;
}

/** A running micro-style service: handlers served over HTTP, registered in the configured registry. */
export interface Service extends Pick<EventEmitter<ServiceEvents>, 'on' | 'off' | 'once'> {
  /** The service's name. */
  readonly name: string;
  /** This instance's id. */
  readonly id: string;
  /** Where it listens, once started. */
  readonly address: string | undefined;
  /** The kind of registry it is registered in, once started. */
  readonly registry: string | undefined;
  /** Adds a handler (`service.handle('Popular', { ping })`); its options are `handlers.<name lower-cased>`. */
  handle(name: string, handler: Handler): this;
  /** Listens, registers, and starts following the config. */
  start(): Promise<void>;
  /** Deregisters, then drains the calls in flight, then closes. */
  stop(): Promise<void>;
}

/**
 * Creates a service. Config keys (a file, `MICRO_*` env vars with `strippedPrefix: 'MICRO'`, or flags):
 * `server.address` (default `127.0.0.1:0`), `server.ttl` (default `30s`), `server.interval` (re-registration,
 * default a third of the TTL), `registry` (`mdns` by default, `memory`, `consul`, `etcd`), `registries.<kind>.*`,
 * `handlers.<name>.*`. A change of `registry` or `registries` re-registers at once: in the new registry first, then
 * out of the old one, so the service can always be found.
 */
export function createService(options: ServiceOptions): Service {
  const { config, name } = options;
  const id = `${name}-${randomUUID()}`;
  const server = createHandlerServer(config);
  const events = new EventEmitter<ServiceEvents>();
  let node: ServiceNode | undefined;
  let current: { spec: RegistrySpec; registry: Registry } | undefined;
  let changes = Promise.resolve();
  let refresh: NodeJS.Timeout | undefined;
  const watchers: Watcher[] = [];
  let state: 'new' | 'running' | 'stopped' = 'new';

  const ttl = () => config.get('server.ttl').duration(30_000);
  const report = (error: unknown) => events.emit('error', error instanceof Error ? error : new Error(String(error)));

  function schedule(): void {
    clearTimeout(refresh);
    if (state !== 'running') return;
    const interval = config.get('server.interval').duration(ttl() / 3);
    refresh = setTimeout(() => {
      const active = current;
      if (active && node) active.registry.register(node, ttl()).catch(report);
      schedule();
    }, Math.max(50, interval));
  }

  /** Moves the node to the registry the config names now, if it is another one. */
  function follow(): void {
    changes = changes.then(async () => {
      if (state !== 'running' || !node || !current) return;
      let spec: RegistrySpec;
      try {
        spec = registrySpec(config);
      } catch (error) {
        report(error);
        return;
      }
      if (spec.key === current.spec.key) return;
      const next = createRegistry(spec, config);
      try {
        await next.register(node, ttl());
      } catch (error) {
        await next.close().catch(() => {});
        report(new Error(`could not register in the ${spec.kind} registry; staying in ${current.spec.kind}: ${(error as Error).message}`));
        return;
      }
      const previous = current;
      current = { spec, registry: next };
      events.emit('registered', spec.kind, node);
      await previous.registry.deregister(node).catch(report);
      await previous.registry.close().catch(report);
      events.emit('deregistered', previous.spec.kind, node);
      schedule();
    });
  }

  const service: Service = {
    name,
    id,
    get address() {
      return node?.address;
    },
    get registry() {
      return current?.spec.kind;
    },
    handle(handlerName, handler) {
      server.handle(handlerName, handler);
      return service;
    },
    on: (event, listener) => (events.on(event, listener), service) as never,
    off: (event, listener) => (events.off(event, listener), service) as never,
    once: (event, listener) => (events.once(event, listener), service) as never,
    async start() {
      if (state !== 'new') throw new Error(`service ${name} was already started`);
      state = 'running';
      const spec = registrySpec(config);
      const address = await server.listen(config.get('server.address').string('127.0.0.1:0'));
      node = { id, service: name, version: options.version ?? 'latest', address, metadata: { ...options.metadata } };
      const registry = createRegistry(spec, config);
      try {
        await registry.register(node, ttl());
      } catch (error) {
        state = 'stopped';
        await Promise.allSettled([registry.close(), server.close()]);
        throw error;
      }
      current = { spec, registry };
      events.emit('registered', spec.kind, node);
      for (const path of ['registry', 'registries']) {
        const watcher = config.watch(path);
        watcher.on('change', follow);
        watchers.push(watcher);
      }
      schedule();
    },
    async stop() {
      if (state !== 'running') return;
      state = 'stopped';
      clearTimeout(refresh);
      for (const watcher of watchers.splice(0)) watcher.stop();
      await changes;
      const active = current;
      if (active && node) {
        await active.registry.deregister(node).catch(report);
        events.emit('deregistered', active.spec.kind, node);
      }
      await server.close();
      await active?.registry.close().catch(report);
    },
  };
  return service;
}
