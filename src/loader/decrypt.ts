import { ConfigError, type ConfigIssue } from '../errors.ts';
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

/** How many of a layer's failing paths an error lists in its message (all are in its issues). */
const LISTED = 3;

/**
 * Opens every `enc:` string of a decoded layer; nodes that hold none are kept as they are, not copied. A value that
 * does not open fails the whole layer, so its source keeps its last good layer: one DECRYPT error naming the source
 * and the first path (never a value), with every failing path in its issues.
 */
export function decryptLayer(tree: Tree, decrypter: Decrypter, source: string): DecryptedLayer {
  const secrets: string[][] = [];
  const failures: ConfigIssue[] = [];
  const segments: string[] = [];
  const open = (value: string): string => {
    try {
      return decryptValue(decrypter, value);
    } catch (error) {
      const detail = error instanceof ConfigError ? error.detail : 'it does not decrypt';
      failures.push({ path: formatPath(segments), message: detail, source });
      return value;
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
  const opened = walk(tree);
  if (failures.length > 0) throw decryptFailure(failures, source);
  return { tree: opened, secrets };
}

function decryptFailure(failures: readonly ConfigIssue[], source: string): ConfigError {
  const [first] = failures;
  const others = failures.slice(1, LISTED).map((failure) => `"${failure.path}"`);
  const more = failures.length > LISTED ? ` and ${failures.length - LISTED} more` : '';
  const also = others.length > 0 ? ` (nor at ${others.join(', ')}${more})` : '';
  return new ConfigError(`cannot decrypt the value at "${first!.path}"${also}: ${first!.message}`, {
    code: 'DECRYPT',
    source,
    path: first!.path,
    issues: failures,
  });
}
