import { isAlias, isMap, isPair, isScalar, isSeq, type Alias, type Document, type Node, type Pair } from 'yaml';
import { ConfigError } from '../errors.ts';
import { overspent, sizeBudget, type SizeBudget } from '../reader/budget.ts';
import { isHostileKey } from '../reader/tree.ts';
import { decodeError, positionAt, type DecodeBounds } from './encoder.ts';

const SET = 'tag:yaml.org,2002:set';
const OMAP = 'tag:yaml.org,2002:omap';
const PENDING = Symbol('pending');

/**
 * A parsed YAML document as plain data, built in one walk over its nodes. The `yaml` package's own conversion
 * resolves each alias by searching every anchor before it, and checks each key of a mapping against all the
 * others: both grow with the square of the document. Here anchors are kept by name as the walk meets them (an
 * alias is the node its anchor named, shared), keys are checked against a set, and the size the data would have
 * written out (an alias counts its whole target again, a `<<` merge every key it copies) is counted against
 * `maxBytes` as it is built, so an alias or merge bomb is refused before it is built.
 *
 * `!!set` becomes an array of its members, `!!omap` an object in its order (a key twice is an error), `!!pairs`
 * an array of one-key objects; `!!binary` stays bytes and `!!timestamp` a Date, which normalizing turns into
 * base64 text and an ISO string.
 */
export function yamlData(document: Document, text: string, bounds: DecodeBounds): unknown {
  const anchors = new Map<string, unknown>();
  const sizes = new WeakMap<object, number>();
  const budget: SizeBudget = sizeBudget(bounds.maxBytes);
  const spent = () => budget.limit - budget.left;
  const charge = (amount: number) => {
    if ((budget.left -= amount) < 0) overspent(budget);
  };
  const fail = (reason: string, node: Node | Pair | null | undefined): never => {
    const offset = (node as { range?: readonly number[] } | null | undefined)?.range?.[0];
    throw decodeError('yaml', reason, offset === undefined ? undefined : positionAt(text, offset));
  };
  const sizeOf = (value: unknown): number => {
    if (typeof value === 'string') return value.length;
    if (value instanceof Uint8Array) return Math.ceil(value.byteLength / 3) * 4;
    if (value instanceof Date) return 24;
    if (typeof value === 'object' && value !== null) return sizes.get(value) ?? 2;
    return 1;
  };

  const resolve = (alias: Alias): unknown => {
    if (!anchors.has(alias.source)) fail('an alias refers to no anchor', alias);
    const target = anchors.get(alias.source);
    if (target === PENDING) fail('an alias refers to the node that holds it', alias);
    return target;
  };

  const convert = (node: unknown, depth: number): unknown => {
    if (node === null || node === undefined) {
      charge(1);
      return null;
    }
    if (isAlias(node)) {
      const target = resolve(node);
      charge(sizeOf(target));
      return target;
    }
    const anchor = (node as { anchor?: string | undefined }).anchor;
    if (isScalar(node)) {
      const value = typeof node.value === 'symbol' ? (node.value.description ?? '') : node.value;
      charge(sizeOf(value));
      if (anchor !== undefined) anchors.set(anchor, value);
      return value;
    }
    if (depth >= bounds.maxDepth) {
      throw new ConfigError(`nesting deeper than ${bounds.maxDepth} levels`, { code: 'LIMIT' });
    }
    if (anchor !== undefined) anchors.set(anchor, PENDING);
    const before = spent();
    charge(2);
    let value: unknown;
    if (isMap(node) && node.tag === SET) {
      value = node.items.map((pair) => convert(pair.key, depth + 1));
    } else if (isMap(node)) {
      value = mapping(node.items, depth, false);
    } else if (isSeq(node) && node.tag === OMAP) {
      value = mapping(node.items as Pair[], depth, true);
    } else if (isSeq(node)) {
      value = node.items.map((item) => (isPair(item) ? mapping([item], depth + 1, false) : convert(item, depth + 1)));
    } else {
      fail('an unknown kind of node', node as Node);
    }
    sizes.set(value as object, spent() - before);
    if (anchor !== undefined) anchors.set(anchor, value);
    return value;
  };

  /** The text a key stands for in an object. */
  const keyOf = (key: unknown): string => {
    const node = isAlias(key) ? undefined : key;
    const value = isAlias(key) ? resolve(key) : isScalar(node) ? node.value : node;
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (value instanceof Date) return value.toISOString();
    return fail('a key is a mapping or a sequence, not a scalar', key as Node);
  };

  const mapping = (pairs: readonly Pair[], depth: number, ordered: boolean): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const written = new Set<string>();
    for (const pair of pairs) {
      if (!isPair(pair)) fail('an ordered map holds something other than a key and a value', pair as Node);
      if (isMergeKey(pair.key)) {
        merge(out, pair.value, depth);
        continue;
      }
      const key = keyOf(pair.key);
      if (written.has(key)) fail(ordered ? 'an ordered map holds a key twice' : 'a key appears twice in a mapping', pair.key as Node);
      written.add(key);
      charge(key.length);
      const value = convert(pair.value, depth + 1);
      // A hostile key is dropped, like everywhere; its value was still walked, for the anchors it may define.
      if (isHostileKey(key)) continue;
      out[key] = value;
    }
    return out;
  };

  // `<<: *base` or `<<: [*a, *b]`: keys the mapping does not have yet are copied in, the first source winning.
  const merge = (out: Record<string, unknown>, value: unknown, depth: number) => {
    const sources = isSeq(value) ? value.items : [value];
    for (const item of sources) {
      // An alias is looked up, not counted: what it brings in is counted key by key as it is copied.
      const source = isAlias(item) ? resolve(item) : convert(item, depth + 1);
      if (typeof source !== 'object' || source === null || Array.isArray(source) || source instanceof Date || source instanceof Uint8Array) {
        fail('a merge key (<<) takes a mapping, an alias of one, or a list of them', item as Node);
      }
      const entries = source as Record<string, unknown>;
      for (const key of Object.keys(entries)) {
        if (Object.hasOwn(out, key)) continue;
        charge(key.length + sizeOf(entries[key]));
        out[key] = entries[key];
      }
    }
  };

  return convert(document.contents, 0);
}

/** A plain `<<` key, which the parser (with `merge` on) resolves to a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}
