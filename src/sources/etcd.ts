import type { Etcd3, IOptions, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import { ConfigError } from '../errors.ts';
import { loadOptional } from '../optional.ts';
import { sleep } from '../sleep.ts';
import { normalizePrefix, type KvPair } from './kv.ts';
import { storeSource, type StoreClient } from './remote.ts';
import { applyWatchOption, type Source, type SourceOptions } from './source.ts';

/** Options of an etcd source. */
export interface EtcdSourceOptions extends SourceOptions {
  /** The key prefix whose keys make the layer (default `/micro/config`); it is stripped and `/` nests. */
  prefix?: string | undefined;
  /** The etcd endpoints (default `http://127.0.0.1:2379`). */
  hosts?: string | readonly string[] | undefined;
  /** User name and password, when etcd has authentication on. */
  auth?: { username: string; password: string } | undefined;
  /** TLS: the CA certificate, and the client's key and certificate for mutual TLS (PEM, as text or bytes). */
  credentials?: { rootCertificate: Uint8Array | string; privateKey?: Uint8Array | string | undefined; certChain?: Uint8Array | string | undefined } | undefined;
  /** How long a read may wait for etcd before failing (ms, default 5000). */
  timeout?: number | undefined;
  /** A file keeping the last good layer, so the service starts while etcd is down. */
  cache?: string | undefined;
  /** Longest wait between reconnection attempts (ms, default 2000). */
  maxRetryDelay?: number | undefined;
  /**
   * Expand `${VAR}` in the store's values (default false). Off, a value is literal: whoever can write a key cannot
   * copy the service's environment (`token: ${AWS_SECRET_ACCESS_KEY}`) into its configuration.
   */
  expandEnv?: boolean | undefined;
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
  const timeout = options.timeout ?? 5000;
  const maxRetryDelay = options.maxRetryDelay ?? 2000;
  const where = `${hosts.join(',')} (prefix ${keyPrefix})`;
  let connection: Promise<Etcd3> | undefined;
  /** The keys as last read or watched, and the revision they are current at. */
  let keys = new Map<string, Buffer>();
  let revision = 0;

  function connect(): Promise<Etcd3> {
    connection ??= (async () => {
      const [{ Etcd3, isRecoverableError }, cockatiel] = await Promise.all([
        loadOptional('etcd3', 'etcdSource', () => import('etcd3')),
        import('cockatiel'),
      ]);
      const config: IOptions = {
        hosts,
        auth: options.auth,
        credentials: credentials(options.credentials),
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
    return connection;
  }

  const current = (): KvPair[] => [...keys].map(([key, value]) => ({ key, value }));

  async function fetchAll(): Promise<KvPair[]> {
    const etcd = await connect();
    const response = await etcd.getAll().prefix(keyPrefix).exec();
    keys = new Map(response.kvs.map((kv) => [kv.key.toString(), kv.value]));
    revision = Number(response.header.revision);
    return current();
  }

  /** One watch session: from the last revision until it fails or the server's history goes back. */
  async function session(publish: (pairs: KvPair[]) => Promise<void>, fail: (error: unknown) => void, signal: AbortSignal): Promise<void> {
    const etcd = await connect();
    if (revision === 0) await publish(await fetchAll());
    const from = revision + 1;
    const watcher: EtcdWatcher = await withTimeout(
      etcd.watch().prefix(keyPrefix).startRevision(String(from)).create(),
      timeout,
      'creating the etcd watch timed out',
    );
    try {
      // A watch created while etcd was dying can be lost for good; re-reading after each (re)creation makes sure
      // nothing written before it is missed.
      await publish(await fetchAll());
      // A server replaced between the watch's creation and this read has a shorter history: the watch waits for
      // a revision the new server will take long to reach, so start over.
      if (revision < from - 1) throw rewound();
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
          void publish(current());
        });
        watcher.on('disconnected', (error) => {
          if (lost) return;
          lost = true;
          fail(new ConfigError(`lost etcd at ${where}; reconnecting`, { code: 'WATCH', cause: error }));
        });
        watcher.on('connected', (response: IWatchResponse) => {
          lost = false;
          // A server restored from an older snapshot or replaced by a fresh one has a shorter history: the
          // watch would silently skip everything up to our old revision, so start over.
          if (Number(response.header.revision) < revision) end(rewound());
        });
        watcher.on('error', (error) => end(error));
      });
    } finally {
      await watcher.cancel().catch(() => {});
    }
  }

  const client: StoreClient = {
    store: 'etcd',
    where,
    fetch: () => fetchAll(),
    async follow(publish, fail, signal) {
      let failures = 0;
      while (!signal.aborted) {
        try {
          await session(publish, fail, signal);
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          // A session ends on an error (a canceled or compacted watch, a server whose history went back): the
          // next one reads everything again rather than trusting a revision the server may not have.
          revision = 0;
          fail(error);
          failures += 1;
          await sleep(Math.min(50 * 2 ** failures, maxRetryDelay), signal);
        }
      }
    },
    async release() {
      const etcd = await connection?.catch(() => undefined);
      etcd?.close();
    },
  };
  return applyWatchOption(storeSource({ name: options.name ?? `etcd:${keyPrefix}`, prefix, optional: options.optional, cache: options.cache, expandEnv: options.expandEnv }, client), options);
}

/** etcd3 wants Buffers. */
function credentials(given: EtcdSourceOptions['credentials']): IOptions['credentials'] {
  if (!given) return undefined;
  const bytes = (pem: Uint8Array | string | undefined) => (pem === undefined ? undefined : Buffer.from(pem));
  return { rootCertificate: bytes(given.rootCertificate)!, privateKey: bytes(given.privateKey), certChain: bytes(given.certChain) };
}

function rewound(): ConfigError {
  return new ConfigError('the etcd revision went back (a restored or new server); reading everything again', { code: 'WATCH' });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
