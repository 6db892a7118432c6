import { ConfigError, toConfigError } from '../errors.ts';
import { decodeTree } from '../encoders/encoder.ts';
import { loadEncoder } from '../encoders/index.ts';
import { expandVariables, type Environment } from '../reader/expand.ts';
import { isObject, normalize, type Tree } from '../reader/tree.ts';
import type { ChangeSet } from '../sources/source.ts';

/** Limits on what one change set may hold. */
export interface DecodeLimits {
  /** Largest document accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
}

/** How change sets are decoded into layers. */
export interface DecodeOptions {
  /** Size and depth limits. */
  limits: DecodeLimits;
  /** Where `${VAR}` is looked up, or undefined to leave strings as they are. */
  env: Environment | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Decodes a change set into a layer (an object, or null for an empty document); errors name the source. */
export async function decodeChangeSet(changeSet: ChangeSet, options: DecodeOptions): Promise<Tree> {
  const { limits, env } = options;
  const transform = env ? (text: string) => expandVariables(text, env) : undefined;
  try {
    let tree: Tree;
    if (changeSet.format === 'object') {
      tree = normalize(changeSet.data, { maxDepth: limits.maxDepth, transform, freeze: false });
    } else {
      const text = typeof changeSet.data === 'string' ? changeSet.data : utf8.decode(changeSet.data as Uint8Array);
      const size = typeof changeSet.data === 'string' ? Buffer.byteLength(text) : (changeSet.data as Uint8Array).byteLength;
      if (size > limits.maxBytes) {
        throw new ConfigError(`document of ${size} bytes exceeds the limit of ${limits.maxBytes}`, { code: 'LIMIT' });
      }
      const encoder = await loadEncoder(changeSet.format);
      const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      tree = !/\S/.test(body) ? null : decodeTree(encoder, body, { maxDepth: limits.maxDepth, transform, owned: true, freeze: false });
    }
    if (tree !== null && !isObject(tree)) {
      throw new ConfigError(`the document must be an object at the top level, not ${Array.isArray(tree) ? 'an array' : typeof tree}`, {
        code: 'NOT_OBJECT',
      });
    }
    return tree;
  } catch (error) {
    throw toConfigError(error, 'DECODE', changeSet.source);
  }
}
