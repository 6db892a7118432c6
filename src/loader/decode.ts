import { ConfigError } from '../errors.ts';
import { decodeTree } from '../encoders/encoder.ts';
import { loadEncoder } from '../encoders/index.ts';
import { resolveFormat } from '../encoders/registry.ts';
import { decodeWithEncoder, type Encoders } from '../encoders/user.ts';
import { sizeBudget } from '../reader/budget.ts';
import { expandVariables, type Environment } from '../reader/expand.ts';
import { isObject, normalize, type Tree } from '../reader/tree.ts';
import type { ChangeSet } from '../sources/source.ts';

/** Limits on what one change set may hold. */
export interface DecodeLimits {
  /** Largest document accepted, in bytes; also what its decoded (and expanded) layer may hold. */
  maxBytes: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
}

/** How change sets are decoded into layers. */
export interface DecodeOptions {
  /** Size and depth limits. */
  limits: DecodeLimits;
  /** Where `${VAR}` is looked up, or undefined to leave strings as they are in every source. */
  env: Environment | undefined;
  /** The config's own formats (checked), looked up by a change set's format before the built-in ones. */
  encoders?: Encoders | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
const toUtf8 = new TextEncoder();

/**
 * Whether `${VAR}` is expanded in a change set: as its source says, and by default in documents (text decoded by
 * an encoder) but not in data handed over decoded (the environment, flags, key-value stores), whose values are
 * literal.
 */
export function expandsVariables(changeSet: ChangeSet): boolean {
  return changeSet.expand ?? changeSet.format !== 'object';
}

/** Decodes a change set into a layer (an object, or null for an empty document); errors name the source. */
export async function decodeChangeSet(changeSet: ChangeSet, options: DecodeOptions): Promise<Tree> {
  const { limits } = options;
  const env = expandsVariables(changeSet) ? options.env : undefined;
  // One budget for the layer: what expansion adds is counted with everything else, and a value is never built
  // longer than what is left.
  const budget = sizeBudget(limits.maxBytes);
  const transform = env ? (text: string) => expandVariables(text, env, budget.left) : undefined;
  try {
    let tree: Tree;
    if (changeSet.format === 'object') {
      tree = normalize(changeSet.data, { maxDepth: limits.maxDepth, transform, budget, freeze: false });
    } else {
      const data = changeSet.data as Uint8Array | string;
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (size > limits.maxBytes) {
        throw new ConfigError(`document of ${size} bytes exceeds the limit of ${limits.maxBytes}`, { code: 'LIMIT' });
      }
      // A user's encoder, the source's own or one the config registered, is given the bytes; a built-in one the text.
      const user = changeSet.encoder ? { format: changeSet.format, encoder: changeSet.encoder } : resolveFormat(changeSet.format, [options.encoders]);
      if (user?.encoder) {
        const bytes = typeof data === 'string' ? toUtf8.encode(data) : data;
        tree = decodeWithEncoder(user.format, user.encoder, bytes, { maxDepth: limits.maxDepth, maxBytes: limits.maxBytes, transform, budget, whole: true });
      } else {
        const text = typeof data === 'string' ? data : utf8.decode(data);
        const encoder = await loadEncoder(changeSet.format);
        const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
        tree = !/\S/.test(body) ? null : decodeTree(encoder, body, { maxDepth: limits.maxDepth, transform, budget, owned: true, freeze: false });
      }
    }
    if (tree !== null && !isObject(tree)) {
      throw new ConfigError(`the document must be an object at the top level, not ${Array.isArray(tree) ? 'an array' : typeof tree}`, {
        code: 'NOT_OBJECT',
      });
    }
    return tree;
  } catch (error) {
    if (error instanceof ConfigError) throw error.withSource(changeSet.source);
    if (error instanceof RangeError) throw new ConfigError('nesting too deep', { code: 'LIMIT', source: changeSet.source });
    // A decoder's own error may quote the document (a custom encoder's, a parser's): only its kind is kept.
    throw new ConfigError(`the ${changeSet.format} decoder failed (${error instanceof Error ? error.name : typeof error})`, {
      code: 'DECODE',
      source: changeSet.source,
    });
  }
}
