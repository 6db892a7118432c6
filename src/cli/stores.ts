import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError } from '../errors.ts';
import { formatName, loadEncoder } from '../encoders/index.ts';
import { normalizePrefix } from '../sources/kv.ts';
import { isObject, normalize, type Tree } from '../reader/tree.ts';

/** A store the CLI writes to. */
export interface StoreTarget {
  kind: 'consul' | 'etcd';
  /** Consul address or etcd hosts. */
  address: string;
  /** Key prefix. */
  prefix: string;
}

/** Writes keys (below the target's prefix) with the store's own client, then closes it. */
export async function writeKeys(target: StoreTarget, entries: readonly [string, string][]): Promise<void> {
  const base = target.kind === 'etcd' && target.prefix.startsWith('/') ? `/${normalizePrefix(target.prefix)}` : normalizePrefix(target.prefix);
  const full = (key: string) => (base ? `${base}/${key.replace(/^\/+/, '')}` : key.replace(/^\/+/, ''));
  if (target.kind === 'etcd') {
    const { Etcd3 } = await import('etcd3');
    const client = new Etcd3({ hosts: target.address.split(','), dialTimeout: 3000 });
    try {
      for (const [key, value] of entries) await client.put(full(key)).value(value);
    } catch (error) {
      throw new ConfigError(`cannot write to etcd at ${target.address}: ${(error as Error).message}`, { code: 'READ', cause: error });
    } finally {
      client.close();
    }
    return;
  }
  const { default: Consul } = await import('consul');
  const url = new URL(/^[a-z]+:\/\//i.test(target.address) ? target.address : `http://${target.address}`);
  const token = process.env.CONSUL_HTTP_TOKEN;
  const client = new Consul({ host: url.hostname, port: Number(url.port || 8500), secure: url.protocol === 'https:', defaults: token ? { token } : {} });
  try {
    for (const [key, value] of entries) await client.kv.set({ key: full(key), value, timeout: 5000 } as never);
  } catch (error) {
    throw new ConfigError(`cannot write to Consul at ${target.address}: ${(error as Error).message}`, { code: 'READ', cause: error });
  } finally {
    client.destroy();
  }
}

/**
 * A document's leaves as store keys (`a/b` = JSON of the value), so that a store source reads back exactly the
 * document: strings are written quoted, arrays whole.
 */
export async function documentKeys(file: string): Promise<[string, string][]> {
  const format = formatName(extname(file).slice(1));
  if (!format) throw new ConfigError(`cannot tell the format of ${file} from its extension`, { code: 'FORMAT', path: file });
  let tree: Tree;
  try {
    tree = normalize((await loadEncoder(format)).decode(await readFile(file, 'utf8')), { maxDepth: 64 });
  } catch (error) {
    throw error instanceof ConfigError ? error.withSource(`file:${file}`) : new ConfigError(`cannot read ${file}`, { code: 'READ', cause: error });
  }
  const out: [string, string][] = [];
  const walk = (node: Tree, path: string[]) => {
    if (isObject(node) && Object.keys(node).length > 0) {
      for (const key of Object.keys(node)) walk(node[key]!, [...path, key]);
    } else if (path.length > 0) {
      out.push([path.join('/'), JSON.stringify(node)]);
    }
  };
  walk(tree, []);
  return out;
}
