import { ConfigError } from '../errors.ts';
import { isBlank } from '../encoders/blank.ts';
import { documentBody, documentText } from '../encoders/document-text.ts';
import { decodeTree } from '../encoders/encoder.ts';
import { loadEncoder } from '../encoders/index.ts';
import { sizeBudget } from '../reader/budget.ts';
import { expandVariables, type Environment } from '../reader/expand.ts';
import type { Tree } from '../reader/tree.ts';

export { documentBody, documentText };

/** Limits on what one change set may hold. */
export interface DecodeLimits {
  /** Largest document accepted, in bytes; also what its decoded (and expanded) layer may hold. */
  maxBytes: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
  /** Most values (objects, arrays and leaves) a layer may hold; the default when undefined. */
  maxValues?: number | undefined;
}

/** What a decode found beside the tree. */
export interface DecodeReport {
  /** How many values (objects, arrays and leaves) the layer holds. */
  values: number;
  /** What the layer's size budget had left (see `SizeBudget`). */
  left?: number;
}

/**
 * Decodes a document in one of the built-in formats into a layer's tree (null for a blank one), `${VAR}` expanded
 * from `env` when given; the same work on the event loop and off it. `report`, when given, is filled in. With the
 * tree the same document gave before, the nodes equal to its own are its own (see `intern`). `freeze` freezes the
 * tree in the walk that builds it, rather than in a walk of its own when it is merged.
 */
export async function decodeText(
  format: string,
  text: string,
  limits: DecodeLimits,
  env: Environment | undefined,
  report?: DecodeReport,
  previous?: Tree,
  freeze = false,
): Promise<Tree> {
  // One budget for the layer: what expansion adds is counted with everything else, and a value is never built
  // longer than what is left.
  const budget = sizeBudget(limits.maxBytes, limits.maxValues);
  const encoder = await loadEncoder(format);
  const body = documentBody(text);
  const transform = env && (encoder.mayHoldVariables?.(body) ?? true) ? (value: string) => expandVariables(value, env, budget.left) : undefined;
  const tree = isBlank(body) ? null : decodeTree(encoder, body, { maxDepth: limits.maxDepth, transform, budget, owned: true, freeze, previous });
  if (report) {
    report.values = budget.maxValues - budget.values;
    report.left = budget.left;
  }
  return tree;
}

/** A decoder's error as a ConfigError without its source: its own, or one that keeps only the error's kind. */
export function decodeFailure(error: unknown, format: string): ConfigError {
  if (error instanceof ConfigError) return error;
  if (error instanceof RangeError) return new ConfigError('nesting too deep', { code: 'LIMIT' });
  // A decoder's own error may quote the document (a custom encoder's, a parser's): only its kind is kept.
  return new ConfigError(`the ${format} decoder failed (${error instanceof Error ? error.name : typeof error})`, { code: 'DECODE' });
}
