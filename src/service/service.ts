import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { createEmitter, type EventEmitter } from '../events.ts';
import type { Config, TypeAt, Watcher } from '../index.ts';
import { advertisedHost, formatAddress, parseListenAddress } from './address.ts';
import { until } from './connections.ts';
import { createRegistry, registrySpec, type RegistrySpec } from './registry/index.ts';
import { withinTime, type Registry, type ServiceNode } from './registry/registry.ts';
import { createHandlerServer, type Handler } from './server.ts';
import { drainTimeout, refreshInterval, registerTimeout, registrationTtl, serverLimits } from './settings.ts';
import { MAX_DELAY, ownOptions } from '../option-checks.ts';

/** Options of `createService`; a typed config (one with a schema) types each handler's options. */
export interface ServiceOptions<Shape = Record<string, unknown>, Input = Shape> {
  /** The service's name, as clients call it (`popular`). */
  name: string;
  /** Its version (default `latest`). */
  version?: string | undefined;
  /** Where its registry, address, TTL and handler options come from. */
  config: Config<Shape, Input>;
  /** Labels published with its node. */
  metadata?: Readonly<Record<string, string>> | undefined;
}

/** A service's events. */
export interface ServiceEvents {
  /** Its node is now registered in a registry (at start, and after a registry change). */
  registered: (registry: string, node: ServiceNode) => void;
  /** Its node left a registry (after a registry change, and at stop). */
  deregistered: (registry: string, node: ServiceNode) => void;
  /**
   * Something failed that the service survives: a refresh or a registry change that could not be made (a
   * RegistryError), or a handler failure its caller saw only as a 500 with an id (a HandlerError with that id).
   */
  error: (error: Error) => void;
}

/** The type of a handler's options: `handlers.<name lower-cased>` of the config's shape (`unknown` if it has none). */
export type HandlerOptions<Shape, Name extends string> = TypeAt<Shape, readonly ['handlers', Lowercase<Name>]>;

/** A running micro-style service: handlers served over HTTP, registered in the configured registry. */
export interface Service<Shape = Record<string, unknown>, Input = Shape> extends Pick<EventEmitter<ServiceEvents>, 'on' | 'off' | 'once'> {
  /** The service's name. */
  readonly name: string;
  /** This instance's id. */
  readonly id: string;
  /** Where it listens, once started. */
  readonly address: string | undefined;
  /** The kind of registry it is registered in, once started. */
  readonly registry: string | undefined;
  /**
   * Adds a handler (`service.handle('Popular', { ping })`, or a class instance); its options are
   * `handlers.<name lower-cased>`. Its methods are those it has when added.
   */
  handle<const Name extends string>(name: Name, handler: Handler<HandlerOptions<Shape, Name>, Shape, Input> | object): this;
  /**
   * Listens, registers, and starts following the config. Rejects with a ConfigError for a bad `server.address` or
   * `registry`, and with a RegistryError naming the registry and its address when it cannot register there.
   */
  start(): Promise<void>;
  /**
   * Deregisters, then drains the calls in flight, then closes; all within `server.drainTimeout`, at which the
   * calls still running have their `ctx.signal` aborted and are answered 503, and every connection is closed.
   */
  stop(): Promise<void>;
}

/**
 * Creates a service. Config keys (a file, `MICRO_*` env vars with `strippedPrefix: 'MICRO'`, or flags):
 * `server.address` (default `127.0.0.1:0`), `server.ttl` (default `30s`), `server.interval` (re-registration,
 * default a third of the TTL), `server.drainTimeout`, `server.headerTimeout`, `server.bodyTimeout`,
 * `server.maxRequestBytes`, `server.registerTimeout` (see settings.ts for defaults), `registry` (`mdns` by default,
 * `memory`, `consul`, `etcd`), `registries.<kind>.*`, `handlers.<name>.*`. A change of `registry` or `registries`
 * re-registers at once: in the new registry first, then out of the old one, so the service can always be found.
 */
export function createService<Shape = Record<string, unknown>, Input = Shape>(options: ServiceOptions<Shape, Input>): Service<Shape, Input> {
  options = ownOptions(options);
  // The runtime reads its own keys untyped: they need not be in the application's schema.
  const config: Config = options.config;
  const { name } = options;
  const id = `${name}-${randomUUID()}`;
  const events = createEmitter<ServiceEvents>();
  const report = (error: unknown) => events.emit('error', error instanceof Error ? error : new Error(String(error)));
  const server = createHandlerServer(config, report);
  let node: ServiceNode | undefined;
  let current: { spec: RegistrySpec; registry: Registry } | undefined;
  let changes = Promise.resolve();
  let refresh: NodeJS.Timeout | undefined;
  const watchers: Watcher[] = [];
  let state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const ttl = () => registrationTtl(config);
  const register = (registry: Registry, at: ServiceNode) =>
    withinTime(registry, `register ${name}`, registerTimeout(config), () => registry.register(at, ttl()));

  function schedule(): void {
    clearTimeout(refresh);
    if (state !== 'running') return;
    const interval = refreshInterval(config, ttl());
    refresh = setTimeout(() => {
      const active = current;
      if (active && node) register(active.registry, node).catch(report);
      schedule();
    }, Math.max(50, Math.min(interval, MAX_DELAY)));
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
      let next: Registry | undefined;
      try {
        // Inside the try: options the config gives (a port that is no port) are refused here, and a throw would
        // end this chain of changes for good, unhandled.
        next = createRegistry(spec, config);
        await register(next, node);
      } catch (error) {
        if (next) await until(Date.now() + registerTimeout(config), next.close());
        report(new Error(`staying in the ${current.spec.kind} registry: ${(error as Error).message}`, { cause: error }));
        return;
      }
      const previous = current;
      current = { spec, registry: next };
      events.emit('registered', spec.kind, node);
      await leave(previous.registry, node, Date.now() + registerTimeout(config));
      events.emit('deregistered', previous.spec.kind, node);
      schedule();
    });
  }

  /** Deregisters and closes a registry, waiting no later than `deadline`; failures are reported. */
  async function leave(registry: Registry, at: ServiceNode, deadline: number): Promise<void> {
    await withinTime(registry, `deregister ${name}`, Math.max(0, deadline - Date.now()), () => registry.deregister(at)).catch(report);
    await until(deadline, registry.close().catch(report));
  }

  async function launch(): Promise<void> {
    const spec = registrySpec(config);
    const listen = parseListenAddress(config.get('server.address').string(''));
    const bound = await server.listen(listen, serverLimits(config));
    const host = advertisedHost(bound.host, Object.values(networkInterfaces()).flatMap((list) => list ?? []));
    const at: ServiceNode = { id, service: name, version: options.version ?? 'latest', address: formatAddress(host, bound.port), metadata: { ...options.metadata } };
    let registry: Registry | undefined;
    try {
      // Inside the try: a registry whose options are refused must not leave the server listening.
      registry = createRegistry(spec, config);
      await register(registry, at);
    } catch (error) {
      await Promise.allSettled([registry && until(Date.now() + registerTimeout(config), registry.close()), server.close(Date.now())]);
      throw error;
    }
    if (state !== 'starting') {
      await Promise.allSettled([leave(registry, at, Date.now() + registerTimeout(config)), server.close(Date.now())]);
      throw new Error(`service ${name} was stopped while starting`);
    }
    node = at;
    current = { spec, registry };
    state = 'running';
    events.emit('registered', spec.kind, at);
    for (const path of ['registry', 'registries']) {
      const watcher = config.watch(path);
      watcher.on('change', follow);
      watchers.push(watcher);
    }
    schedule();
  }

  async function halt(): Promise<void> {
    const deadline = Date.now() + drainTimeout(config);
    const wasStarting = state === 'starting';
    state = 'stopped';
    if (wasStarting) await until(deadline, starting ?? Promise.resolve());
    clearTimeout(refresh);
    for (const watcher of watchers.splice(0)) watcher.stop();
    await until(deadline, changes);
    const active = current;
    if (active && node) {
      await withinTime(active.registry, `deregister ${name}`, Math.max(0, deadline - Date.now()), () => active.registry.deregister(node!)).catch(report);
      events.emit('deregistered', active.spec.kind, node);
    }
    await server.close(deadline);
    if (active) await until(deadline, active.registry.close().catch(report));
  }

  const service: Service<Shape, Input> = {
    name,
    id,
    get address() {
      return node?.address;
    },
    get registry() {
      return current?.spec.kind;
    },
    handle(handlerName, handler) {
      // Typed for its caller; the server hands every handler an untyped context of the same values.
      server.handle(handlerName, handler as Handler | object);
      return service;
    },
    on: (event, listener) => (events.on(event, listener), service) as never,
    off: (event, listener) => (events.off(event, listener), service) as never,
    once: (event, listener) => (events.once(event, listener), service) as never,
    start() {
      if (state !== 'new') return Promise.reject(new Error(`service ${name} was already started`));
      state = 'starting';
      starting = launch().catch((error: unknown) => {
        if (state === 'starting') state = 'stopped';
        throw error;
      });
      return starting;
    },
    stop() {
      if (state === 'new') state = 'stopped';
      if (state === 'stopped' && !stopping) return Promise.resolve();
      return (stopping ??= halt());
    },
  };
  return service;
}
