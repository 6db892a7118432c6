import { documentBody } from '../encoders/document-text.ts';
import { ConfigError } from '../errors.ts';
import { failureReason } from '../failure-reason.ts';
import { loadEncoder } from '../encoders/index.ts';
import { loadOptional } from '../optional.ts';
import { capAnswers } from '../sources/capped-agent.ts';
import { kvTree, normalizePrefix, type KvPair } from '../sources/kv.ts';
import { kvDecoders, kvPairs } from '../sources/consul.ts';
import { listedPair, listPrefix } from '../sources/etcd-session.ts';
import { answerLimit } from '../sources/remote.ts';
import { decodeTree } from '../encoders/encoder.ts';
import { DEFAULT_MAX_BYTES, sizeBudget } from '../reader/budget.ts';
import { isObject, type Tree } from '../reader/tree.ts';
import { isMissing, otherThanFile, readRegularFile } from '../sources/read-file.ts';
import { DEFAULT_PREFIX, fileFormat, storeWhere, unknownExtension, type StoreSpec } from './sources.ts';

/** The store's prefix as its keys start with it (etcd keeps a leading `/`). */
function prefixOf(store: StoreSpec): string {
  const prefix = store.prefix ?? DEFAULT_PREFIX[store.kind];
  return store.kind === 'etcd' && prefix.startsWith('/') ? `/${normalizePrefix(prefix)}` : normalizePrefix(prefix);
}

/**
 * Refuses writes after which the store source could no longer read the prefix: a value written over a folder
 * (`put server 9090` where `server/port` is), or below a value, made every later read fail, the command's and every
 * service's. Checked on the keys as they are now, with the writes in place; nothing is written when it fails. A
 * prefix that cannot be read before the write either is told so: the write did not break it, and only mending the
 * key named (with the store's own client) lets a write through, unless the write replaces that very key.
 */
async function checkReadable(store: StoreSpec, listing: readonly KvPair[], writes: readonly (readonly [string, string])[]): Promise<void> {
  // The listing as the store's source reads it (a key that is not UTF-8, a value that is not base64, told as such).
  const prefix = normalizePrefix(store.prefix ?? DEFAULT_PREFIX[store.kind]);
  const pairs = new Map<string, KvPair>(listing.map((pair) => [pair.key, pair]));
  for (const [key, value] of writes) pairs.set(key, { key, value });
  const failureOf = async (tree: readonly KvPair[]): Promise<{ error: unknown } | undefined> => {
    try {
      await kvTree(tree, prefix);
      return undefined;
    } catch (error) {
      return { error };
    }
  };
  const after = await failureOf([...pairs.values()]);
  if (after === undefined) return;
  const before = await failureOf(listing);
  const { error } = before ?? after;
  const why = error instanceof ConfigError ? error.detail : 'it does not decode';
  const state = before === undefined ? 'could no longer be read' : 'already cannot be read';
  throw new ConfigError(`nothing written: the prefix ${state} (${why})`, { code: 'INVALID_OPTION', source: storeWhere(store), cause: error });
}

/** The full key of each entry below the store's prefix, as its source reads them back. */
export function storeKeys(store: StoreSpec, keys: readonly string[]): string[] {
  const prefix = store.prefix ?? DEFAULT_PREFIX[store.kind];
  const base = store.kind === 'etcd' && prefix.startsWith('/') ? `/${normalizePrefix(prefix)}` : normalizePrefix(prefix);
  return keys.map((key) => (base ? `${base}/${key.replace(/^\/+/, '')}` : key.replace(/^\/+/, '')));
}

/**
 * Writes keys (below the store's prefix) with the store's own client, then closes it; resolves with the full keys.
 * Connecting, and each write to Consul, may take `timeout` ms.
 */
export async function writeKeys(store: StoreSpec, entries: readonly [string, string][], timeout: number): Promise<string[]> {
  const keys = storeKeys(store, entries.map(([key]) => key));
  const writes = entries.map(([, value], i) => [keys[i]!, value] as const);
  const where = storeWhere(store);
  const failed = (error: unknown) => new ConfigError(`cannot write to ${where}: ${failureReason(error)}`, { code: 'READ', cause: error });
  if (store.kind === 'etcd') {
    const { Etcd3 } = await loadOptional('etcd3', 'writing to a store', () => import('etcd3'));
    // The prefix is read whole first, as large as the store source reads it (gRPC's own limit is 4 MiB).
    const client = new Etcd3({
      hosts: store.address.split(','),
      auth: store.auth,
      dialTimeout: timeout,
      grpcOptions: { 'grpc.max_receive_message_length': answerLimit(DEFAULT_MAX_BYTES) },
    });
    try {
      let listing: KvPair[];
      try {
        listing = [...(await listPrefix(client, prefixOf(store))).keys].map(([key, value]) => listedPair(key, value));
      } catch (error) {
        throw failed(error);
      }
      await checkReadable(store, listing, writes);
      for (const [key, value] of writes) await client.put(key).value(value);
    } catch (error) {
      throw error instanceof ConfigError ? error : failed(error);
    } finally {
      client.close();
    }
    return keys;
  }
  const { default: Consul } = await loadOptional('consul', 'writing to a store', () => import('consul'));
  const url = new URL(/^[a-z]+:\/\//i.test(store.address) ? store.address : `http://${store.address}`);
  url.port ||= '8500';
  url.pathname = '/v1';
  if (store.auth) {
    url.username = encodeURIComponent(store.auth.username);
    url.password = encodeURIComponent(store.auth.password);
  }
  const token = process.env.CONSUL_HTTP_TOKEN;
  // The client takes baseUrl (credentials included, sent as basic authentication), though its types omit it.
  // The client reads an answer whole: the listing is cut off where the store source would cut it off.
  const transport = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const agent = capAnswers(new transport.Agent({ keepAlive: false }), () => answerLimit(DEFAULT_MAX_BYTES));
  const client = new Consul({ baseUrl: url.href, agent, defaults: token ? { token } : {}, ...kvDecoders } as ConstructorParameters<typeof Consul>[0]);
  try {
    let listing: KvPair[];
    try {
      const base = prefixOf(store);
      listing = kvPairs(((await client.kv.get({ key: base, recurse: true, timeout } as never)) ?? []) as unknown[]);
    } catch (error) {
      throw failed(error);
    }
    await checkReadable(store, listing, writes);
    for (const [key, value] of writes) await client.kv.set({ key, value, timeout } as never);
  } catch (error) {
    throw error instanceof ConfigError ? error : failed(error);
  } finally {
    client.destroy();
  }
  return keys;
}

/**
 * Whether a document's key can be a segment of a store key read back as itself: not empty, without `/` (which
 * nests) and without the extension of a format (`.json`, `.yaml`, `.yml`, `.toml`: a store source decodes such a
 * key's value by it, and drops it from the key).
 */
function storableKey(key: string): boolean {
  return key !== '' && !key.includes('/') && !/\.(?:json|ya?ml|toml)$/i.test(key);
}

/**
 * A document's leaves as store keys (`a/b` = JSON of the value), so that a store source reads back exactly the
 * document: strings are written quoted, arrays whole, and an object holding a key that cannot be a store key's
 * segment (`routes: {"/api": …}`) whole, as JSON at its own key (the root document at the prefix's own key).
 */
export async function documentKeys(file: string): Promise<[string, string][]> {
  const format = fileFormat(file);
  if (!format) {
    // A directory or a FIFO is that first, whatever its name says.
    const other = otherThanFile(file);
    if (other) throw new ConfigError(`not a regular file (${other})`, { code: 'READ', source: `file:${file}`, path: file });
    throw unknownExtension(file);
  }
  let tree: Tree;
  try {
    // A byte order mark is no part of the document, as for a file source.
    const text = documentBody(await readRegularFile(file, DEFAULT_MAX_BYTES));
    tree = decodeTree(await loadEncoder(format), text, { maxDepth: 64, budget: sizeBudget(DEFAULT_MAX_BYTES) });
  } catch (error) {
    if (error instanceof ConfigError) throw error.withSource(`file:${file}`);
    const why = isMissing(error) ? 'file not found' : `cannot read the file (${(error as { code?: string }).code ?? 'unknown error'})`;
    throw new ConfigError(why, { code: 'READ', source: `file:${file}`, path: file, cause: error });
  }
  const out: [string, string][] = [];
  const walk = (node: Tree, path: string[]) => {
    const keys = isObject(node) ? Object.keys(node) : [];
    if (keys.length > 0 && keys.every(storableKey)) {
      for (const key of keys) walk((node as Record<string, Tree>)[key]!, [...path, key]);
    } else if (path.length > 0 || keys.length > 0) {
      // Written as keys, `/api` would nest under an empty segment, and `a.json` be read back as `a`.
      out.push([path.join('/'), JSON.stringify(node)]);
    }
  };
  walk(tree, []);
  return out;
}
