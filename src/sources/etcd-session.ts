import type { Etcd3, IResponseHeader, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8 } from '../encoders/document-text.ts';
import { ConfigError } from '../errors.ts';
import type { KvPair } from './kv.ts';

/** The keys under a prefix, read at one revision, with the header etcd answered with. */
export interface Listing {
  /** Every key under the prefix and its value. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** Which cluster, member, raft term and revision answered. */
  readonly header: Pick<IResponseHeader, 'cluster_id' | 'member_id' | 'raft_term' | 'revision'>;
}

/** Reads every key under a prefix in one range request: one consistent revision. */
export async function listPrefix(etcd: Etcd3, keyPrefix: string): Promise<Listing> {
  const response = await etcd.getAll().prefix(keyPrefix).exec();
  return { keys: new Map(response.kvs.map((kv) => [keyText(kv.key), kv.value])), header: response.header };
}

// Marks a key that is not UTF-8: no UTF-8 text decodes to a lone surrogate.
const NOT_UTF8 = '\uD800';

/**
 * An etcd key (bytes) as the listing holds it: its UTF-8 text, or for a key that is not UTF-8 a string no UTF-8 key
 * gives (a mark, then its bytes one a character). Decoded leniently, two keys of different bytes could become one
 * (each byte that is not UTF-8 a U+FFFD), and one value silently stand for the other; kept apart, each is refused by
 * `listedPair`.
 */
export function keyText(key: Buffer): string {
  return isUtf8(key) ? key.toString('utf8') : NOT_UTF8 + key.toString('latin1');
}

/**
 * A key of the listing and its value as a pair to map: a key that is not UTF-8 is told as unreadable, named by its
 * text up to the first byte that is not, and that byte's place (never the bytes).
 */
export function listedPair(key: string, value: Uint8Array): KvPair {
  if (!key.startsWith(NOT_UTF8)) return { key, value };
  const bytes = Buffer.from(key.slice(NOT_UTF8.length), 'latin1');
  const at = firstInvalidUtf8(bytes);
  return { key: bytes.toString('utf8', 0, at), value, unreadable: { reason: `the key is not UTF-8 text at its byte ${at + 1}`, keyCut: true } };
}

/**
 * Why two headers cannot come from one history of one store (another cluster, a raft term or a revision that went
 * back: a restored or wiped store), or undefined when they can.
 */
export function historyChange(before: Listing['header'], after: Listing['header']): string | undefined {
  if (before.cluster_id !== after.cluster_id) return 'another cluster answers';
  if (BigInt(after.raft_term) < BigInt(before.raft_term)) return 'its raft term went back';
  if (BigInt(after.revision) < BigInt(before.revision)) return 'its revision went back';
  return undefined;
}

/** Settles like the promise, or rejects with `message` after `ms`, or as soon as the signal aborts. */
export function withDeadline<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (error: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const onAbort = () => stop(new ConfigError('the read was abandoned', { code: 'READ' }));
    const timer = setTimeout(() => stop(new Error(message)), ms);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => stop(error as Error),
    );
  });
}

/** What a watch from a listing needs. */
export interface WatchFrom {
  /** The prefix, as etcd keys spell it. */
  keyPrefix: string;
  /** The listing the watch continues. */
  listing: Listing;
  /** How long creating and cancelling the watch may take (ms). */
  timeout: number;
  /** Ends the watch, cleanly. */
  signal: AbortSignal;
  /** Called with every key under the prefix after each batch of events (one transaction is one batch). */
  publish(keys: ReadonlyMap<string, Uint8Array>): void;
}

/**
 * Watches the prefix from the revision after the listing's, applying events to its keys, until the signal aborts
 * (resolves) or anything goes wrong (rejects): a lost connection, a cancelled or compacted watch, a watch created
 * on a store whose history is not the listing's. The watch is never resumed: etcd3 would resume it from the
 * revision of its creation, skipping events not yet delivered; the caller lists again instead.
 */
export async function watchFrom(etcd: Etcd3, options: WatchFrom): Promise<void> {
  const { listing, timeout, signal } = options;
  const keys = new Map(listing.keys);
  const listed = BigInt(listing.header.revision);
  const watcher: EtcdWatcher = etcd
    .watch()
    .prefix(options.keyPrefix)
    .startRevision((listed + 1n).toString())
    .watcher();
  /** Whether etcd cancelled the watch itself (compacted past its start, or refused it): it has nothing to cancel. */
  let cancelledByEtcd = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let created = false;
      let done = false;
      const end = (error?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(creating);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onAbort = () => end();
      const creating = setTimeout(() => end(new Error(`creating the etcd watch took more than ${timeout} ms`)), timeout);
      if (signal.aborted) return end();
      signal.addEventListener('abort', onAbort, { once: true });
      watcher.on('connected', (response: IWatchResponse) => {
        if (created) return;
        created = true;
        clearTimeout(creating);
        // The listing and the watch went to different histories (the store was replaced in between): the
        // watch's events would not continue the listing.
        const changed = historyChange(listing.header, response.header) ?? (response.header.raft_term !== listing.header.raft_term ? 'a new raft term began' : undefined);
        if (changed) end(new ConfigError(`etcd's history changed while the watch was created (${changed}); read everything again`, { code: 'WATCH' }));
      });
      watcher.on('data', (response: IWatchResponse) => {
        if (done) return;
        // etcd3 rethrows what a listener throws, out of reach of any catch: nothing may escape here.
        try {
          let changed = false;
          for (const event of response.events) {
            if (BigInt(event.kv.mod_revision) <= listed) continue;
            const key = keyText(event.kv.key);
            if (event.type === 'Put') keys.set(key, event.kv.value);
            else keys.delete(key);
            changed = true;
          }
          if (changed) options.publish(keys);
        } catch (error) {
          end(error);
        }
      });
      watcher.on('disconnected', (error: unknown) => end(error ?? new Error('disconnected')));
      // etcd3 emits 'error' only for a watch etcd cancelled, which it has already dropped.
      watcher.on('error', (error: unknown) => {
        cancelledByEtcd = true;
        end(error);
      });
    });
  } finally {
    // etcd3's cancel of a watch etcd cancelled asks etcd again and waits for an answer that never comes: the next
    // listing waited `timeout` (5 s by default) after each compaction past the watch's start. A dead connection
    // may not answer either. Its listeners stay (they ignore what comes after the end): a late 'error' with none
    // would be thrown.
    if (!cancelledByEtcd) await withDeadline(watcher.cancel(), timeout, undefined, 'cancelling the etcd watch timed out').catch(() => {});
  }
}
