import { documentBody, documentText } from '../encoders/document-text.ts';
import { formatName, loadEncoder } from '../encoders/index.ts';
import { jsonEncoder } from '../encoders/json.ts';
import { decodeTree } from '../encoders/encoder.ts';
import { claimedFormat, encoderFor } from '../encoders/registry.ts';
import { decodeWithEncoder, type Encoder, type Encoders } from '../encoders/user.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { mergeTrees } from '../reader/merge.ts';
import { DEFAULT_MAX_BYTES, overspent, sizeBudget } from '../reader/budget.ts';
import { isHostileKey, isObject, type NormalizeOptions, type Tree, type TreeObject } from '../reader/tree.ts';
import type { Origin, ReadOptions } from './source.ts';

/** One key of a key-value store, as read. */
export interface KvPair {
  /** The full key. */
  key: string;
  /** The raw value. */
  value: Uint8Array | string;
  /**
   * Set when the store holds the pair in a form that cannot be read (a value that is not base64; a key that is not
   * UTF-8, of which `key` is then the text up to where it stops being text, `keyCut`): a DECODE error naming the key,
   * if it is below the prefix, in place of a value read wrong. Its text says why, quoting nothing.
   */
  unreadable?: { readonly reason: string; readonly keyCut: boolean } | undefined;
}

/** Whether two reads of a store hold the same keys, in the same order, with the same values. */
export function samePairs(a: readonly KvPair[], b: readonly KvPair[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.key !== y.key || x.unreadable?.reason !== y.unreadable?.reason || !sameValue(x.value, y.value)) return false;
  }
  return true;
}

function sameValue(a: Uint8Array | string, b: Uint8Array | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') return typeof a === typeof b && a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** The key with the prefix's leading and trailing slashes trimmed; `''` is the whole store. */
export function normalizePrefix(prefix: string): string {
  // Trimmed by hand: `/\/+$/` tries every run of slashes to the end, and a long run costs its square.
  let start = 0;
  let end = prefix.length;
  while (start < end && prefix.charCodeAt(start) === 47) start++;
  while (end > start && prefix.charCodeAt(end - 1) === 47) end--;
  return prefix.slice(start, end);
}

/** The path of a key below a prefix (`''` for the prefix's own key), or undefined when it is not below it. */
export function relativeKey(key: string, prefix: string): string | undefined {
  const bare = key.replace(/^\/+/, '');
  if (prefix === '') return bare;
  if (bare === prefix) return '';
  return bare.startsWith(`${prefix}/`) ? bare.slice(prefix.length + 1) : undefined;
}

// The built-in formats a key's extension names; `.env` and `.json5` keys stay keys unless an encoder claims them.
const KEY_FORMATS = new Set(['json', 'yaml', 'yml', 'toml']);
const utf8 = new TextEncoder();

/**
 * Maps the keys under a prefix to a tree (Go Config's consul/etcd layout): the prefix is stripped, `/` nests,
 * folder keys (an empty value under a trailing `/`) add nothing, and the prefix's own key holds a whole document
 * merged at the root. A value decodes by its key's extension (`.json`, `.yaml`, `.toml`, or one of the source's
 * `encoders` or the config's, which is then dropped from the key); otherwise as JSON if it parses, as a YAML
 * mapping or list if it is one, else it is a string. A key below one holding a value that is not an object is an
 * error, as is a value that does not decode.
 */
export async function kvTree(
  pairs: readonly KvPair[],
  prefix: string,
  origins?: Origin[],
  limits: ReadOptions = {},
  encoders?: Encoders,
): Promise<TreeObject> {
  // The source's own encoders first, then the config's.
  const tables = [encoders, limits.encoders];
  const base = normalizePrefix(prefix);
  const maxDepth = limits.maxDepth ?? 64;
  // One budget for the whole layer: decoding stops as soon as the values hold more than the config takes.
  const options: NormalizeOptions = { maxDepth, owned: true, budget: sizeBudget(limits.maxBytes ?? DEFAULT_MAX_BYTES, limits.maxValues) };
  const entries: { path: string[]; key: string; value: Tree }[] = [];
  for (const pair of pairs) {
    const relative = relativeKey(pair.key, base);
    if (relative === undefined) continue;
    if (pair.unreadable) {
      // A key cut where it stops being text right after the prefix is not below it: that takes a `/`, and one cut
      // right after the prefix's `/` is (the byte that is not text starts its name), as is every key of a whole store.
      if (pair.unreadable.keyCut && relative === '' && base !== '' && !pair.key.endsWith('/')) continue;
      const key = `${pair.key.slice(0, 200)}${pair.unreadable.keyCut ? '…' : ''}`;
      throw new ConfigError(`key "${key}": ${pair.unreadable.reason}`, { code: 'DECODE', path: pair.key });
    }
    if (relative.endsWith('/') && pair.value.length === 0) continue;
    const path = relative.split('/').filter((segment) => segment !== '');
    if (path.some(isHostileKey)) continue;
    if (path.length > maxDepth) {
      throw new ConfigError(`key "${pair.key.slice(0, 200)}" nests ${path.length} levels, deeper than maxDepth (${maxDepth})`, { code: 'LIMIT', path: pair.key });
    }
    const last = path.at(-1) ?? '';
    const dot = last.lastIndexOf('.');
    const extension = dot < 0 ? '' : last.slice(dot + 1);
    const format = extension === '' ? undefined : (claimedFormat(extension, tables) ?? (KEY_FORMATS.has(extension.toLowerCase()) ? formatName(extension) : undefined));
    if (format !== undefined && dot > 0) path[path.length - 1] = last.slice(0, dot);
    const encoder = format === undefined ? undefined : encoderFor(format, tables);
    const depth = { ...options, maxDepth: maxDepth - path.length };
    const value = encoder ? decodeUserValue(pair.value, format!, encoder, pair.key, depth) : await decodeValue(pair.value, format, pair.key, depth);
    entries.push({ path, key: pair.key, value });
    origins?.push({ path, origin: pair.key });
  }
  // Shallow keys first, so a document at a folder is in place before the keys below it.
  entries.sort((a, b) => a.path.length - b.path.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const root: Record<string, Tree> = {};
  const built = new WeakSet<object>([root]);
  for (const entry of entries) place(root, built, entry.path, entry.value, entry.key);
  return root;
}

/** A value whose key names a user's format: its bytes decoded by that encoder. */
function decodeUserValue(value: Uint8Array | string, format: string, encoder: Encoder, key: string, options: NormalizeOptions): Tree {
  try {
    const bytes = typeof value === 'string' ? utf8.encode(value) : value;
    return decodeWithEncoder(format, encoder, bytes, { ...options, maxBytes: options.budget!.left, whole: false });
  } catch (error) {
    throw keyError(error, key);
  }
}

async function decodeValue(value: Uint8Array | string, format: string | undefined, key: string, options: NormalizeOptions): Promise<Tree> {
  const budget = options.budget!;
  try {
    // Bytes that are not text are refused at their line and column: read leniently, each became U+FFFD, and a
    // value, a different value, with no word said.
    const raw = documentBody(documentText(value));
    if (format) return raw.trim() === '' ? null : decodeTree(await loadEncoder(format), raw, options);
    // A value tried as JSON, then as YAML, is counted once: what a failed attempt took is given back.
    const left = budget.left;
    try {
      return decodeTree(jsonEncoder, raw, options, JSON.parse);
    } catch (error) {
      if (isLimit(error)) throw error;
      budget.left = left;
    }
    if (/[:\-\n]/.test(raw)) {
      try {
        const document = decodeTree(await loadEncoder('yaml'), raw, options);
        if (typeof document === 'object' && document !== null) return document;
      } catch (error) {
        if (isLimit(error)) throw error;
      }
      budget.left = left;
    }
    if ((budget.left -= raw.length) < 0) overspent(budget);
    return raw;
  } catch (error) {
    throw keyError(error, key);
  }
}

/** A value's decode error, naming its key. */
function keyError(error: unknown, key: string): ConfigError {
  const failure = toConfigError(error, 'DECODE');
  return new ConfigError(`key "${key.slice(0, 200)}": ${failure.detail}`, {
    code: failure.code,
    path: key,
    position: failure.line === undefined ? undefined : { line: failure.line, column: failure.column ?? 1 },
  });
}

/** Sets one key's value in the tree being built, copying decoded (frozen) documents before writing into them. */
function place(root: Record<string, Tree>, built: WeakSet<object>, path: readonly string[], value: Tree, key: string): void {
  if (path.length === 0) {
    if (value === null) return;
    if (!isObject(value)) {
      throw new ConfigError(`key "${key}" holds the whole document, which must be an object`, { code: 'NOT_OBJECT', path: key });
    }
    for (const name of Object.keys(value)) root[name] = Object.hasOwn(root, name) ? mergeTrees(root[name]!, value[name]!) : value[name]!;
    return;
  }
  let node = root;
  for (const head of path.slice(0, -1)) {
    const child = Object.hasOwn(node, head) ? node[head] : undefined;
    if (child !== undefined && !isObject(child)) {
      throw new ConfigError(`key "${key}" lies below a key that holds a value, not a folder`, { code: 'DECODE', path: key });
    }
    if (child !== undefined && built.has(child)) {
      node = child as Record<string, Tree>;
      continue;
    }
    const writable: Record<string, Tree> = { ...child };
    built.add(writable);
    node[head] = writable;
    node = writable;
  }
  const leaf = path.at(-1)!;
  const existing = Object.hasOwn(node, leaf) ? node[leaf] : undefined;
  node[leaf] = existing !== undefined && isObject(existing) && isObject(value) ? mergeTrees(existing, value) : value;
}

function isLimit(error: unknown): boolean {
  return error instanceof ConfigError && error.code === 'LIMIT';
}
