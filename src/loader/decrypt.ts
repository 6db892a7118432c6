import { ConfigError } from '../errors.ts';
import { formatPath } from '../reader/path.ts';
import { isObject, type Tree } from '../reader/tree.ts';
import { decryptValue, isEncrypted, type Decrypter } from '../secrets/envelope.ts';

/** A layer with its `enc:` values opened, and the paths that held them (secrets from now on). */
export interface DecryptedLayer {
  /** The layer, plaintexts in place of `enc:` values. */
  readonly tree: Tree;
  /** Where the plaintexts are. */
  readonly secrets: readonly (readonly string[])[];
}

/**
 * Opens every `enc:` string of a decoded layer; nodes that hold none are kept as they are, not copied. The first
 * value that does not open fails the whole layer with a DECRYPT error naming the source and the path (never the
 * value), so the source keeps its last good layer.
 */
export function decryptLayer(tree: Tree, decrypter: Decrypter, source: string): DecryptedLayer {
  const secrets: string[][] = [];
  const segments: string[] = [];
  const open = (value: string): string => {
    try {
      return decryptValue(decrypter, value);
    } catch (error) {
      const path = formatPath(segments);
      const detail = error instanceof ConfigError ? error.detail : 'it does not decrypt';
      throw new ConfigError(`cannot decrypt the value at "${path}": ${detail}`, { code: 'DECRYPT', source, path });
    }
  };
  const walk = (node: Tree): Tree => {
    if (typeof node === 'string') {
      if (!isEncrypted(node)) return node;
      const plaintext = open(node);
      secrets.push([...segments]);
      return plaintext;
    }
    if (Array.isArray(node)) {
      const items = node as readonly Tree[];
      let copy: Tree[] | undefined;
      for (let index = 0; index < items.length; index++) {
        segments.push(String(index));
        const item = walk(items[index]!);
        segments.pop();
        if (item !== items[index]) (copy ??= [...items])[index] = item;
      }
      return copy ?? node;
    }
    if (!isObject(node)) return node;
    let copy: Record<string, Tree> | undefined;
    for (const key in node) {
      segments.push(key);
      const child = walk(node[key]!);
      segments.pop();
      if (child !== node[key]) (copy ??= { ...node })[key] = child;
    }
    return copy ?? node;
  };
  return { tree: walk(tree), secrets };
}
