import type { Etcd3, IOptions } from 'etcd3';
import type { Encoders } from '../encoders/user.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { loadOptional } from '../optional.ts';
import { sleep } from '../sleep.ts';
import { historyChange, listedPair, listPrefix, watchFrom, withDeadline, type Listing } from './etcd-session.ts';
import { normalizePrefix, type KvPair } from './kv.ts';
import { answerLimit, storeSource, type StoreClient } from './remote.ts';
import { applyWatchOption, type Source, type SourceOptions } from './source.ts';
import { checkOptionNames, delayOption, optionNames, stringList } from '../option-checks.ts';

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
  /** How long one call to etcd (a read, creating or cancelling a watch) may take before it fails (ms, default 5000). */
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
  /**
   * Formats of this source's own, by name (Go Config's `source.WithEncoder`): a key with one of their extensions
   * (`app/db.ini`) decodes with it, before the config's `encoders` and the built-in formats (see `Encoder`).
   */
  encoders?: Encoders | undefined;
}

const ETCD_OPTIONS = optionNames<EtcdSourceOptions>()('prefix', 'hosts', 'auth', 'credentials', 'timeout', 'cache', 'maxRetryDelay', 'expandEnv', 'encoders', 'name', 'optional', 'watch');

/**
 * Configuration kept in etcd under a prefix. Each time the watch starts — at first, and after any lost
 * connection, compaction or change of history — the prefix is read whole at one revision and watched from the
 * next: nothing written meanwhile is missed, a wiped or replaced store is read afresh, and the events of one
 * etcd transaction are published as one change.
 */
export function etcdSource(options: EtcdSourceOptions = {}): Source {
  options = checkOptionNames(options, ETCD_OPTIONS, 'etcdSource');
  const rawPrefix = options.prefix ?? '/micro/config';
  const prefix = normalizePrefix(rawPrefix);
  const keyPrefix = rawPrefix.startsWith('/') ? `/${prefix}` : prefix;
  const hosts = stringList(options.hosts, 'hosts', { source: 'etcd', single: true }) ?? ['http://127.0.0.1:2379'];
  const timeout = delayOption(options.timeout, 'timeout', { source: 'etcd' }) ?? 5000;
  const maxRetryDelay = delayOption(options.maxRetryDelay, 'maxRetryDelay', { source: 'etcd', zero: true }) ?? 2000;
  const where = `${hosts.join(',')} (prefix ${keyPrefix})`;
  let connection: Promise<Etcd3> | undefined;
  /** The config's maxBytes, told on each read: a connection made after it reads answers of that size. */
  let maxBytes = DEFAULT_MAX_BYTES;
  /** The header of the last listing, to tell when etcd's history changed (a wiped store, another cluster). */
  let seen: Listing['header'] | undefined;

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
        // Our own timers bound each call at `timeout` and say so in their message; gRPC's deadline, a second later,
        // is only a backstop (at the same instant the two raced, and which message came out depended on the machine).
        defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout + 1000 }),
        // Pings find a connection that went silent (a half-open link) while the watch waits for news. An answer is
        // read up to what a layer within the config's maxBytes may take, not gRPC's 4 MiB.
        grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': timeout, 'grpc.max_receive_message_length': answerLimit(maxBytes) },
        faultHandling: {
          // etcd3's default circuit breaker waits 5 s before trying a host again; a config watch wants to be back
          // within a fraction of a second of etcd returning.
          host: () =>
            cockatiel.circuitBreaker(cockatiel.handleWhen(isRecoverableError), {
              halfOpenAfter: 200,
              breaker: new cockatiel.ConsecutiveBreaker(3),
            }),
          // No retries inside a call: a read fails within its timeout, and the watch loop below retries.
          global: cockatiel.noop,
          watchBackoff: new cockatiel.ExponentialBackoff({ initialDelay: 50, maxDelay: maxRetryDelay }).next(),
        },
      };
      return new Etcd3(config);
    })();
    return connection;
  }

  /** Drops a client after a failure: the next call makes a new one, on a new connection. */
  function discard(failed: Promise<Etcd3>): void {
    if (connection !== failed) return;
    connection = undefined;
    void failed.then(
      (etcd) => etcd.close(),
      () => {},
    );
  }

  /** Reads the prefix whole, at one revision, within the timeout. */
  async function list(signal: AbortSignal): Promise<Listing> {
    const client = connect();
    try {
      // The deadline is etcd's: loading the client library on first use does not count against it.
      const etcd = await client;
      return await withDeadline(listPrefix(etcd, keyPrefix), timeout, signal, `no answer from etcd within ${timeout} ms`);
    } catch (error) {
      if (!signal.aborted) discard(client);
      // gRPC refuses a message past its limit as it arrives (RESOURCE_EXHAUSTED), having read no further.
      if (error instanceof Error && error.message.includes('RESOURCE_EXHAUSTED')) {
        throw new ConfigError(`etcd's answer is larger than ${answerLimit(maxBytes)} bytes`, { code: 'LIMIT', cause: error });
      }
      throw error;
    }
  }

  /** One watch session: the prefix listed, published, then watched from the next revision until something fails. */
  async function session(publish: (pairs: KvPair[]) => Promise<void>, fail: (error: unknown) => void, signal: AbortSignal): Promise<void> {
    const listing = await list(signal);
    const changed = seen && historyChange(seen, listing.header);
    seen = listing.header;
    if (changed) fail(new ConfigError(`etcd's history changed (${changed}); read everything again`, { code: 'WATCH' }));
    await publish(pairsOf(listing.keys));
    await watchFrom(await connect(), { keyPrefix, listing, timeout, signal, publish: (keys) => void publish(pairsOf(keys)) });
  }

  const client: StoreClient = {
    store: 'etcd',
    where,
    fetch: async (signal, limit) => {
      // A larger limit than the connection was made for needs a new one; a smaller one is checked by the layer.
      if (limit > maxBytes && connection) discard(connection);
      maxBytes = limit;
      return pairsOf((await list(signal)).keys);
    },
    async follow(publish, fail, signal) {
      let failures = 0;
      while (!signal.aborted) {
        const used = connect();
        try {
          await session(publish, fail, signal);
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          // Whatever went wrong (a lost connection, a compacted or cancelled watch, a history that changed), the
          // next session starts on a new connection and reads everything again.
          discard(used);
          fail(error instanceof ConfigError ? error : new ConfigError(`lost etcd at ${where}; reconnecting`, { code: 'WATCH', cause: error }));
          failures += 1;
          await sleep(Math.min(50 * 2 ** failures, maxRetryDelay), signal);
        }
      }
    },
    async release() {
      const etcd = await connection?.catch(() => undefined);
      connection = undefined;
      etcd?.close();
    },
  };
  return applyWatchOption(storeSource({ name: options.name ?? `etcd:${keyPrefix}`, prefix, optional: options.optional, cache: options.cache, expandEnv: options.expandEnv, encoders: options.encoders }, client), options);
}

const pairsOf = (keys: ReadonlyMap<string, Uint8Array>): KvPair[] => [...keys].map(([key, value]) => listedPair(key, value));

/** etcd3 wants Buffers. */
function credentials(given: EtcdSourceOptions['credentials']): IOptions['credentials'] {
  if (!given) return undefined;
  const bytes = (pem: Uint8Array | string | undefined) => (pem === undefined ? undefined : Buffer.from(pem));
  return { rootCertificate: bytes(given.rootCertificate)!, privateKey: bytes(given.privateKey), certChain: bytes(given.certChain) };
}
