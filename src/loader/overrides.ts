import { ConfigError } from '../errors.ts';
import { formatPath } from '../reader/path.ts';
import { getIn, isHostileKey, isIndex, isObject, setIn, type Tree, type TreeObject } from '../reader/tree.ts';
import type { Layer } from './snapshot.ts';

/**
 * The run-time layer of `config.set` and `config.delete`: paths hidden from every layer below it (defaults and
 * sources), and values set above them all. It is applied to every candidate, so it survives the sources' reloads.
 */
export interface Overrides {
  /** Paths whose values, in the layers below, are hidden (none below another). */
  readonly hidden: readonly (readonly string[])[];
  /** The values set, as a tree (null when none). */
  readonly values: Tree;
}

/** No run-time layer. */
export const NO_OVERRIDES: Overrides = Object.freeze({ hidden: Object.freeze([]), values: null });

/** The name `explain` gives the run-time layer. */
export const OVERRIDES_NAME = 'set';

/**
 * `set(path, value)`: the value replaces whatever the layers below hold at the path, until the path is set again
 * or deleted. An object is not merged into theirs: the path is hidden below it. (A scalar or a list replaces by
 * the merge rules alone, so `explain` still shows what it overrode.) A numeric segment that meets a list in the
 * config as it stands (`current`) sets an item of it, as `get` reads one: since a layer's list replaces the lists
 * below it whole, the list is set, with that item replaced (or added at its end).
 */
export function withSet(overrides: Overrides, segments: readonly string[], value: Tree, current: Tree = null): Overrides {
  if (segments.length === 0) throw new ConfigError('set() needs a path', { code: 'INVALID_PATH' });
  checkSegments(segments);
  const at = listItemAt(current, segments);
  if (at !== undefined) {
    const list = getIn(current, segments.slice(0, at))!;
    return withSet(overrides, segments.slice(0, at), setIn(list, segments.slice(at), value, segments.slice(0, at)));
  }
  const hidden = isObject(value) ? hide(overrides.hidden, segments) : overrides.hidden;
  return { hidden, values: setIn(overrides.values, segments, value) };
}

/** `delete(path)`: the path is hidden whatever the layers below hold, and a value set there or below is dropped. */
export function withDelete(overrides: Overrides, segments: readonly string[]): Overrides {
  checkSegments(segments);
  return { hidden: hide(overrides.hidden, segments), values: removeIn(overrides.values, segments) };
}

/** The layers with the hidden paths removed from each, and the values set on top as a layer of their own. */
export function applyOverrides(layers: readonly Layer[], overrides: Overrides, state: Layer['state']): Layer[] {
  if (overrides === NO_OVERRIDES) return [...layers];
  const out = layers.map((layer) => {
    const tree = hiddenIn(layer.tree, overrides);
    return tree === layer.tree ? layer : { ...layer, tree };
  });
  if (overrides.values !== null) out.push({ state, tree: overrides.values });
  return out;
}

// A layer's tree with the hidden paths removed, remembered for the layer and the overrides it was made for: the same
// pair gives the same tree, so that a publish staged ahead (see `Staged`) finds the trees it merged.
const hidden = new WeakMap<object, { readonly overrides: Overrides; readonly tree: Tree }>();

/** A layer's tree with the overrides' hidden paths removed (the same tree for the same overrides). */
function hiddenIn(tree: Tree, overrides: Overrides): Tree {
  if (typeof tree !== 'object' || tree === null || overrides.hidden.length === 0) return tree;
  const known = hidden.get(tree);
  if (known !== undefined && known.overrides === overrides) return known.tree;
  let out: Tree = tree;
  for (const segments of overrides.hidden) out = removeIn(out, segments);
  hidden.set(tree, { overrides, tree: out });
  return out;
}

/** A tree without the node at a path (the root: an empty object); the same tree when there is none there. */
export function removeIn(root: Tree, segments: readonly string[]): Tree {
  if (segments.length === 0) return root === null ? null : Object.freeze({});
  if (!isObject(root) && !Array.isArray(root)) return root;
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(root)) {
    // A list keeps its length: an item is replaced by null rather than shifting the others.
    const index = Number(head);
    if (!/^\d+$/.test(head) || index >= root.length) return root;
    const item = (root as readonly Tree[])[index]!;
    const next = rest.length === 0 ? null : removeIn(item, rest);
    if (next === item) return root;
    const copy = [...(root as readonly Tree[])];
    copy[index] = next;
    return Object.freeze(copy);
  }
  const object = root as TreeObject;
  if (!Object.hasOwn(object, head)) return root;
  const copy: Record<string, Tree> = { ...object };
  if (rest.length === 0) delete copy[head];
  else {
    const next = removeIn(object[head]!, rest);
    if (next === object[head]) return root;
    copy[head] = next;
  }
  return Object.freeze(copy);
}

/** The hidden paths with one more, dropping those below it (it hides them already). */
function hide(hidden: readonly (readonly string[])[], segments: readonly string[]): readonly (readonly string[])[] {
  if (hidden.some((path) => isPrefix(path, segments))) return hidden;
  return Object.freeze([...hidden.filter((path) => !isPrefix(segments, path)), Object.freeze([...segments])]);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** Where a path first indexes a list the tree holds (the list's depth), or undefined when it meets none. */
function listItemAt(root: Tree, segments: readonly string[]): number | undefined {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (Array.isArray(node)) return isIndex(segment) ? i : undefined;
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment]!;
  }
  return undefined;
}

function checkSegments(segments: readonly string[]): void {
  const hostile = segments.find((segment) => isHostileKey(segment) || segment === '');
  if (hostile !== undefined) {
    throw new ConfigError(`path segment "${hostile}" is not allowed`, { code: 'INVALID_PATH', path: formatPath(segments) });
  }
}
