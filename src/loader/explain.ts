import { formatPath } from '../reader/path.ts';
import type { Redactor } from '../reader/secrets.ts';
import { deepFreeze, getIn, isObject, type Tree } from '../reader/tree.ts';
import type { Layer, SnapshotView } from './snapshot.ts';

/** A value another source held at the same path, which the winner overrode. */
export interface Overridden {
  /** The source that held it. */
  readonly source: string;
  /** What it held. */
  readonly value: Tree;
}

/** Why a path has the value it has. */
export interface Explanation {
  /** The path, dotted. */
  readonly path: string;
  /** The merged value (undefined when missing). */
  readonly value: Tree | undefined;
  /** The source whose value won (for an object, the last source that contributed to it); undefined when missing. */
  readonly source: string | undefined;
  /**
   * The values it overrode, nearest first. For an object, what it replaced whole: the objects of other sources are
   * merged into it (`merged`), down to the first source that held something else there.
   */
  readonly overridden: readonly Overridden[];
  /** For an object, the other sources whose objects at the path were merged into it, nearest first. */
  readonly merged?: readonly string[] | undefined;
  /** For an object, the explanation of every leaf below it. */
  readonly leaves?: readonly Explanation[] | undefined;
}

/**
 * Explains a path from the layers of a snapshot: computed on demand, so merging records nothing per leaf. Sources
 * are named precisely where they know where a value came from (`env:MICRO_REGISTRY`, `flags:--registry`,
 * `consul:config/app/registry`); secret values (the view's secrets, unless told others) are shown as `[redacted]`.
 */
export function explainPath(view: SnapshotView, segments: readonly string[], secrets: Redactor = view.redactor): Explanation {
  const value = getIn(view.snapshot.values, segments);
  const base = explainLeaf(view, segments, value, secrets);
  if (!isObject(value)) return base;
  const leaves: Explanation[] = [];
  collectLeaves(view, [...segments], value, leaves, secrets);
  return { ...base, leaves };
}

function explainLeaf(view: SnapshotView, segments: readonly string[], value: Tree | undefined, secrets: Redactor): Explanation {
  const path = formatPath(segments);
  if (value === undefined) return { path, value, source: undefined, overridden: [] };
  let source: string | undefined;
  const overridden: Overridden[] = [];
  const merged: string[] = [];
  // Layers merge in order, an object into an object: below the winner, objects are merged into it until a layer
  // holds something else there, which the objects above replaced, as they replaced everything below it.
  let merging = isObject(value);
  for (let i = view.layers.length - 1; i >= 0; i--) {
    const layer = view.layers[i]!;
    const held = getIn(layer.tree, segments);
    // A layer holding something else than an object above the path (a number, a list) replaced all below it there.
    const cut = merging && replacedAbove(layer.tree, segments);
    if (cut) merging = false;
    if (held === undefined) continue;
    if (source === undefined) source = sourceName(layer, segments);
    else if (merging && isObject(held)) merged.push(sourceName(layer, segments));
    else overridden.push({ source: sourceName(layer, segments), value: deepFreeze(secrets.redact(held, segments)!) });
    if (!isObject(held)) merging = false;
  }
  const explanation = { path, value: deepFreeze(secrets.redact(value, segments)), source, overridden };
  return isObject(value) ? { ...explanation, merged } : explanation;
}

/** True when a layer holds other than an object at a path above `segments` (below its root): that replaced them. */
function replacedAbove(tree: Tree, segments: readonly string[]): boolean {
  let node: Tree | undefined = tree;
  // A layer that is not an object (an empty document) merges nothing and replaces nothing.
  if (!isObject(node)) return false;
  for (let i = 0; i < segments.length - 1; i++) {
    node = Object.hasOwn(node, segments[i]!) ? node[segments[i]!] : undefined;
    if (node === undefined) return false;
    if (!isObject(node)) return true;
  }
  return false;
}

/** A layer's name, made precise by the origin of the path (or of its nearest ancestor) where the layer knows it. */
export function sourceName(layer: Layer, segments: readonly string[]): string {
  if (!layer.origins) return layer.state.name;
  for (let length = segments.length; length >= 0; length--) {
    const origin = layer.origins.get(segments.slice(0, length).join('\u0000'));
    if (origin !== undefined) return preciseName(layer.state.name, origin);
  }
  return layer.state.name;
}

/** `env` + `MICRO_REGISTRY` → `env:MICRO_REGISTRY`; `consul:config/app` + `config/app/registry` → `consul:config/app/registry`. */
function preciseName(name: string, origin: string): string {
  const cut = name.indexOf(':');
  if (cut < 0) return `${name}:${origin}`;
  const where = name.slice(cut + 1);
  return origin.startsWith(where) ? `${name.slice(0, cut)}:${origin}` : `${name}:${origin}`;
}

function collectLeaves(view: SnapshotView, segments: string[], node: Tree, out: Explanation[], secrets: Redactor): void {
  if (!isObject(node)) {
    out.push(explainLeaf(view, segments, node, secrets));
    return;
  }
  for (const key of Object.keys(node)) {
    segments.push(key);
    collectLeaves(view, segments, node[key]!, out, secrets);
    segments.pop();
  }
}
