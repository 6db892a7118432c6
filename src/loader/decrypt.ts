import { ConfigError, type ConfigIssue } from '../errors.ts';
import { inheritsKeys } from '../reader/inherited.ts';
import { formatPath } from '../reader/path.ts';
import { walkWhole, type Meter, type Walk } from '../reader/slices.ts';
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
  return walkWhole((meter) => decryptInSlices(tree, decrypter, source, meter));
}

/** `decryptLayer` in slices (see `slices.ts`): one unit of the meter a key or an item visited. */
export function* decryptInSlices(tree: Tree, decrypter: Decrypter, source: string, meter: Meter): Walk<DecryptedLayer> {
  const secrets: string[][] = [];
  const failures: ConfigIssue[] = [];
  const segments: string[] = [];
  const open = (value: string): string => {
    if (!isEncrypted(value)) return value;
    let plaintext = value;
    try {
      plaintext = decryptValue(decrypter, value);
    } catch (error) {
      const detail = error instanceof ConfigError ? error.detail : 'it does not decrypt';
      failures.push({ path: formatPath(segments), message: detail, source });
    }
    secrets.push([...segments]);
    return plaintext;
  };
  // Strings, most of a layer, are opened where they are met rather than in a walk of their own.
  function* walk(node: Tree): Walk<Tree> {
    if (Array.isArray(node)) {
      const items = node as readonly Tree[];
      let copy: Tree[] | undefined;
      for (let index = 0; index < items.length; index++) {
        if (--meter.left <= 0) yield;
        const item = items[index]!;
        if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) continue;
        segments.push(String(index));
        const opened = typeof item === 'string' ? open(item) : yield* walk(item);
        segments.pop();
        if (opened !== item) (copy ??= [...items])[index] = opened;
      }
      return copy ?? node;
    }
    if (!isObject(node)) return node;
    let copy: Record<string, Tree> | undefined;
    const inherited = inheritsKeys();
    for (const key in node) {
      if (inherited && !Object.hasOwn(node, key)) continue;
      if (--meter.left <= 0) yield;
      const child = node[key]!;
      if (typeof child !== 'string' && (typeof child !== 'object' || child === null)) continue;
      segments.push(key);
      const opened = typeof child === 'string' ? open(child) : yield* walk(child);
      segments.pop();
      if (opened !== child) (copy ??= { ...node })[key] = opened;
    }
    return copy ?? node;
  }
  const opened = typeof tree === 'string' ? open(tree) : yield* walk(tree);
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
