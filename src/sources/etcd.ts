import type { Etcd3, IOptions, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import { createChannel } from '../channel.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { readCache, writeCache } from './cache.ts';
import { kvTree, normalizePrefix, type KvPair } from './kv.ts';
import { createChangeSet, type ChangeSet, type ChangeSetObject, type Source, type SourceOptions } from './source.ts';
import { sleep } from '../sleep.ts';

/** Options of an etcd source. */
export interface EtcdSourceOptions extends SourceOptions {
  /** The key prefix whose keys make the layer (default `/micro/config`); it is stripped and `/` nests. */
  prefix?: string | undefined;
  /** The etcd endpoints (default `http://127.0.0.1:2379`). */
  hosts?: string | readonly string[] | undefined;
  /** User name and password, when etcd has authentication on. */
  auth?: { username: string; password: string } | undefined;
  /** TLS: the CA certificate, and the client's key and certificate for mutual TLS. */
  credentials?: { rootCertificate: Buffer; privateKey?: Buffer | undefined; certChain?: Buffer | undefined } | undefined;
  /** How long a read may wait for etcd before failing (ms, default 5000). */
  timeout?: number | undefined;
  /** A file keeping the last good layer, so the service starts while etcd is down. */
  cache?: string | undefined;
  /** Longest wait between reconnection attempts (ms, default 2000). */
  maxRetryDelay?: number | undefined;
}

/**
 * Configuration kept in etcd under a prefix. The watch resumes from the last revision it saw, so no change made
 * while it was disconnected is missed; all the events of one etcd transaction are published as one change.
 */
export function etcdSource(options: EtcdSourceOptions = {}): Source {
  const rawPrefix = options.prefix ?? '/micro/config';
  const prefix = normalizePrefix(rawPrefix);
  const keyPrefix = rawPrefix.startsWith('/') ? `/${prefix}` : prefix;
  const hosts = typeof options.hosts === 'string' ? [options.hosts] : [...(options.hosts ?? ['http://127.0.0.1:2379'])];
  const name = options.name ?? `etcd:${keyPrefix}`;
  const timeout = options.timeout ?? 5000;
  const maxRetryDelay = options.maxRetryDelay ?? 2000;
  const channel = createChannel<ChangeSet>();
  const stopped = new AbortController();
  let client: Promise<Etcd3> | undefined;
  /** The keys as last read or watched, with the revision they are current at. */
  let keys = new Map<string, Buffer>();
  let revision = 0;
  let servedFromCache: ConfigError | undefined;

  const where = () => `${hosts.join(',')} (prefix ${keyPrefix})`;

  function connect(): Promise<Etcd3> {
    client ??= (async () => {
      const [{ Etcd3, isRecoverableError }, cockatiel] = await Promise.all([import('etcd3'), import('cockatiel')]);
      const config: IOptions = {
        hosts,
        auth: options.auth,
        credentials: options.credentials,
        dialTimeout: timeout,
        defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
        // etcd3's default circuit breaker waits 5 s before trying a host again; a config watch wants to be back
        // within a fraction of a second of etcd returning.
        faultHandling: {
          host: () =>
            cockatiel.circuitBreaker(cockatiel.handleWhen(isRecoverableError), {
              halfOpenAfter: 200,
              breaker: new cockatiel.ConsecutiveBreaker(3),
            }),
          global: cockatiel.retry(cockatiel.handleWhen(isRecoverableError), { maxAttempts: 1 }),
          watchBackoff: new cockatiel.ExponentialBackoff({ initialDelay: 50, maxDelay: maxRetryDelay }).next(),
        },
      };
      return new Etcd3(config);
    })();
    return client;
  }

  async function layer(): Promise<ChangeSet> {
    const pairs: KvPair[] = [...keys].map(([key, value]) => ({ key, value }));
    const tree = await kvTree(pairs, prefix);
    if (options.cache) await writeCache(options.cache, tree).catch(() => {});
    return createChangeSet(name, 'object', tree as ChangeSetObject);
  }

  /** Reads every key under the prefix. */
  async function fetchAll(): Promise<ChangeSet> {
    const etcd = await connect();
    const response = await etcd.getAll().prefix(keyPrefix).exec();
    keys = new Map(response.kvs.map((kv) => [kv.key.toString(), kv.value]));
    revision = Number(response.header.revision);
    return layer();
  }

  async function read(): Promise<ChangeSet> {
    try {
      const changeSet = await fetchAll();
      servedFromCache = undefined;
      return changeSet;
    } catch (error) {
      const failure =
        error instanceof ConfigError
          ? error.withSource(name)
          : new ConfigError(`cannot read from etcd at ${where()}: ${(error as Error).message}`, { code: 'READ', source: name, cause: error });
      const cached = options.cache ? await readCache(options.cache) : undefined;
      if (!cached) throw failure;
      servedFromCache = new ConfigError(`etcd is unreachable; serving the cached layer from ${options.cache}: ${failure.detail}`, {
        code: 'READ',
        source: name,
        cause: error,
      });
      return createChangeSet(name, 'object', cached.tree as ChangeSetObject, cached.timestamp);
    }
  }

  /** One watch session: from the last revision until it fails or the server's history goes back. */
  async function session(signal: AbortSignal): Promise<void> {
    const etcd = await connect();
    if (revision === 0) channel.push(await fetchAll());
    const watcher: EtcdWatcher = await withTimeout(
      etcd.watch().prefix(keyPrefix).startRevision(String(revision + 1)).create(),
      timeout,
      'creating the etcd watch timed out',
    );
    try {
      // A change between the last read and the watch's start is covered by the revision; re-reading once after
      // each (re)creation also covers a watch that was created against a restarted server.
      channel.push(await fetchAll());
      await new Promise<void>((resolve, reject) => {
        let lost = false;
        const end = (error?: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onAbort = () => end();
        signal.addEventListener('abort', onAbort, { once: true });
        watcher.on('data', (response: IWatchResponse) => {
          for (const event of response.events) {
            const key = event.kv.key.toString();
            if (event.type === 'Put') keys.set(key, event.kv.value);
            else keys.delete(key);
          }
          revision = Math.max(revision, Number(response.header.revision));
          layer().then(
            (changeSet) => channel.push(changeSet),
            (error: unknown) => channel.fail(toConfigError(error, 'DECODE', name)),
          );
        });
        watcher.on('disconnected', (error) => {
          if (lost) return;
          lost = true;
          channel.fail(new ConfigError(`lost etcd at ${where()}; reconnecting`, { code: 'WATCH', source: name, cause: error }));
        });
        watcher.on('connected', (response: IWatchResponse) => {
          lost = false;
          // A server restored from an older snapshot or replaced by a fresh one has a shorter history: the
          // watch would silently skip everything up to our old revision, so start over.
          if (Number(response.header.revision) < revision) {
            revision = 0;
            end(new ConfigError('the etcd revision went back (a restored or new server); reading everything again', { code: 'WATCH' }));
          }
        });
        watcher.on('error', (error) => end(error));
      });
    } finally {
      await watcher.cancel().catch(() => {});
    }
  }

  async function follow(signal: AbortSignal): Promise<void> {
    if (servedFromCache) channel.fail(servedFromCache);
    let failures = 0;
    while (!signal.aborted) {
      try {
        await session(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        channel.fail(
          error instanceof ConfigError
            ? error.withSource(name)
            : new ConfigError(`cannot follow etcd at ${where()}: ${(error as Error).message}`, { code: 'WATCH', source: name, cause: error }),
        );
        failures += 1;
        await sleep(Math.min(50 * 2 ** failures, maxRetryDelay), signal);
      }
    }
  }

  return {
    name,
    optional: options.optional,
    read,
    watch(signal) {
      const both = AbortSignal.any([stopped.signal, ...(signal ? [signal] : [])]);
      const iterator = channel.subscribe(both);
      void follow(both);
      return iterator;
    },
    async close() {
      stopped.abort();
      channel.end();
      const etcd = await client?.catch(() => undefined);
      etcd?.close();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

