import { createChannel } from '../channel.ts';
import { checkEncoders } from '../encoders/registry.ts';
import type { Encoders } from '../encoders/user.ts';
import type { TreeObject } from '../reader/tree.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { failureReason } from '../failure-reason.ts';
import { linkSignals } from '../linked-signal.ts';
import { cacheWriter, readCache } from './cache.ts';
import { kvTree, type KvPair } from './kv.ts';
import { createChangeSet, type ChangeSet, type ChangeSetObject, type Origin, type ReadOptions, type Source } from './source.ts';

/** What a key-value store's source needs from its client. */
export interface StoreClient {
  /** The store's name in messages (`etcd`, `Consul`). */
  readonly store: string;
  /** Where it is, for messages (`http://127.0.0.1:2379 (prefix /config/app)`). */
  readonly where: string;
  /**
   * Reads every key under the prefix. `maxBytes` is the config's (its default when none was told): the client
   * reads no answer larger than `answerLimit(maxBytes)`, in this read and in those of the watches it starts later.
   */
  fetch(signal: AbortSignal, maxBytes: number): Promise<KvPair[]>;
  /** Follows the store until the signal aborts, handing each new set of keys to `publish`. */
  follow(publish: (pairs: KvPair[]) => Promise<void>, fail: (error: unknown) => void, signal: AbortSignal): Promise<void>;
  /** Closes the client. */
  release(): Promise<void>;
}

/**
 * The largest answer a store's client reads for a layer of at most `maxBytes`: the layer's keys and values, written
 * larger on the wire (Consul's base64 and JSON, etcd's full keys and framing), plus room for the metadata of up to
 * the default `maxValues` keys. Past it, the answer is cut off where it has reached the limit, not read whole and
 * refused after (a hostile or broken agent's 300 MB answer was held whole); below it, no layer the config accepts is
 * refused (gRPC's own default, 4 MiB, refused an etcd prefix of 5 MiB under a limit of 16).
 */
export function answerLimit(maxBytes: number): number {
  return Math.min(2 * maxBytes + 16 * 1024 * 1024, MAX_ANSWER_BYTES);
}

/** No answer is read past this however large `maxBytes` is (a Buffer's and gRPC's largest, 2 GiB − 1). */
const MAX_ANSWER_BYTES = 2 ** 31 - 1;

/** Options every key-value source shares. */
export interface StoreSourceShared {
  /** The source's name. */
  name: string;
  /** The normalized key prefix. */
  prefix: string;
  /** Whether a store that cannot be read at start is an empty layer. */
  optional: boolean | undefined;
  /** The last-known-good cache file. */
  cache: string | undefined;
  /** Expand `${VAR}` in the store's values (default false: a value is literal, whoever wrote it). */
  expandEnv?: boolean | undefined;
  /** The source's own encoders (unchecked: checked here). */
  encoders?: Encoders | undefined;
}

/**
 * The shell around a key-value store's client: keys mapped to a layer, the last-known-good cache, a start from it
 * while the store is down, and the watch channel.
 */
export function storeSource(shared: StoreSourceShared, client: StoreClient): Source {
  const { name, prefix, cache } = shared;
  // What the source says before the config listens (a failure at start, a cache served) waits for it.
  const channel = createChannel<ChangeSet>({ retain: true });
  const stopped = new AbortController();
  const saved = cache ? cacheWriter(cache) : undefined;
  let fromCache: ChangeSet | undefined;
  /** Whether the store has answered once: its cache is then never served again. */
  let live = false;
  /** Whether a failure was reported since the store last answered: one outage is one error, not one per retry. */
  let failing = false;
  // The config's limits, told on its reads; the layers the watch publishes are held to the last ones.
  let limits: ReadOptions = {};
  const expand = shared.expandEnv === true;
  const encoders = checkEncoders(shared.encoders, { source: name });

  async function layer(pairs: KvPair[]): Promise<ChangeSet> {
    const origins: Origin[] = [];
    const tree = await kvTree(pairs, prefix, origins, limits, encoders);
    return createChangeSet(name, 'object', tree as ChangeSetObject, Date.now(), origins, expand);
  }

  // Layers are built one at a time, from the latest keys: an older set still decoding (the first YAML value
  // loading its encoder) can never be pushed after a newer one.
  let latest: KvPair[] | undefined;
  let building: Promise<void> | undefined;
  async function build(): Promise<void> {
    while (latest) {
      const pairs = latest;
      latest = undefined;
      try {
        const changeSet = await layer(pairs);
        // A newer set came while this one was decoding: it alone is worth pushing.
        if (!latest) channel.push(changeSet);
      } catch (error) {
        if (!latest) channel.fail(toConfigError(error, 'DECODE', name));
      }
    }
    building = undefined;
  }

  /** Hands a set of keys over as a layer; resolves once it (or a newer set) was pushed. */
  function publish(pairs: KvPair[]): Promise<void> {
    live = true;
    failing = false;
    latest = pairs;
    building ??= Promise.resolve().then(build);
    return building;
  }

  function fail(error: unknown): void {
    if (failing) return;
    failing = true;
    channel.fail(
      error instanceof ConfigError
        ? error.withSource(name)
        : new ConfigError(`cannot follow ${client.store} at ${client.where}: ${failureReason(error)}`, {
            code: 'WATCH',
            source: name,
            cause: error,
          }),
    );
  }

  async function read(signal?: AbortSignal, options?: ReadOptions): Promise<ChangeSet> {
    limits = options ?? limits;
    let pairs: KvPair[];
    // Linked, not AbortSignal.any: a read is made at every sync() and after every outage, for the source's life.
    const reading = linkSignals([stopped.signal, signal]);
    try {
      pairs = await client.fetch(reading.signal, limits.maxBytes ?? DEFAULT_MAX_BYTES);
    } catch (error) {
      // A client package that is not installed is no outage, nor an answer too large to read: neither the cache nor
      // a retry would help.
      if (error instanceof ConfigError && (error.code === 'MISSING_PACKAGE' || error.code === 'LIMIT')) throw error.withSource(name);
      const failure = new ConfigError(`cannot read from ${client.store} at ${client.where}: ${failureReason(error)}`, {
        code: 'READ',
        source: name,
        cause: error,
      });
      // The cache stands in for a store that was never read; after that, a failed read keeps the live layer.
      const cached = cache && !live ? await readCache(cache, limits.maxBytes) : undefined;
      if (!cached) throw failure;
      channel.fail(
        new ConfigError(`${client.store} is unreachable; serving the cached layer from ${cache}: ${failure.detail}`, {
          code: 'READ',
          source: name,
          cause: error,
        }),
      );
      fromCache = createChangeSet(name, 'object', cached.tree as ChangeSetObject, cached.timestamp, undefined, expand);
      return fromCache;
    } finally {
      reading.unlink();
    }
    live = true;
    try {
      return await layer(pairs);
    } catch (error) {
      throw toConfigError(error, 'DECODE', name);
    }
  }

  return {
    name,
    optional: shared.optional,
    read,
    // Only a layer the config published is worth starting from: not one its schema refused.
    accepted(changeSet) {
      if (saved && changeSet !== fromCache && changeSet.format === 'object') saved.save(changeSet.data as TreeObject);
    },
    watch(signal) {
      // Each watch follows the store until it is returned, the signal aborts or the source closes.
      const watching = new AbortController();
      // Every way a watch ends aborts one of these, which lets go of the others.
      const both = linkSignals([stopped.signal, watching.signal, signal]).signal;
      const iterator = channel.subscribe(both);
      const end = iterator.return!.bind(iterator);
      iterator.return = (value) => {
        watching.abort();
        return end(value);
      };
      client.follow(publish, fail, both).catch(fail);
      return iterator;
    },
    async close() {
      stopped.abort();
      channel.end();
      await Promise.all([client.release(), saved?.flush()]);
    },
  };
}
