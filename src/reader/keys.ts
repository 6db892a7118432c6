import { isHostileKey, isObject, type Tree, type TreeObject } from './tree.ts';

/** A flat key already split into path segments, with its value. */
export interface FlatEntry {
  /** The path the key maps to. */
  segments: readonly string[];
  /** The value stored there. */
  value: Tree;
}

/**
 * Builds a tree from flat keys. Conflicts resolve the same way whatever order the keys came in: a deeper key wins
 * over a scalar at its parent (`FOO=1` and `FOO_BAR=2` give `{ foo: { bar: '2' } }`), and of two keys mapping to
 * the same path the one later in `entries` wins. Entries with a hostile or no segment are dropped.
 */
export function unflatten(entries: readonly FlatEntry[]): TreeObject {
  const root: Record<string, Tree> = {};
  const built = new WeakSet<object>();
  const ordered = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.segments.length > 0 && !entry.segments.some(isHostileKey))
    .sort((a, b) => a.entry.segments.length - b.entry.segments.length || a.index - b.index);
  for (const { entry } of ordered) {
    let node = root;
    const last = entry.segments.length - 1;
    for (let i = 0; i < last; i++) {
      const key = entry.segments[i]!;
      const child = Object.hasOwn(node, key) ? node[key] : undefined;
      if (isObject(child) && built.has(child)) {
        node = child as Record<string, Tree>;
        continue;
      }
      // A value may be a decoded (frozen) document: a deeper key writes into a copy of it.
      const writable: Record<string, Tree> = isObject(child) ? { ...child } : {};
      built.add(writable);
      node[key] = writable;
      node = writable;
    }
    const leaf = entry.segments[last]!;
    // A shorter key never replaces an object that a deeper key built (shorter keys are set first).
    if (!Object.hasOwn(node, leaf) || !isObject(node[leaf])) node[leaf] = entry.value;
  }
  return root;
}

/** Options for mapping an environment variable name to a path. */
export interface EnvKeyOptions {
  /** What separates nesting levels in a name (default `_`). */
  separator?: string | undefined;
}

/** Go Config's env mapping: lower-case, split on the separator; empty segments are dropped. */
export function envKeyToSegments(name: string, options: EnvKeyOptions = { separator: '_' }): string[] {
  return name
    .toLowerCase()
    .split(options.separator ?? '_')
    .filter((segment) => segment !== '');
}
