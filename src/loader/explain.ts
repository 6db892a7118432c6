import { formatPath } from '../reader/path.ts';
import { deepFreeze, getIn, isObject, type Tree } from '../reader/tree.ts';
import type { SnapshotView } from './snapshot.ts';

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
  /** The values it overrode, nearest first. */
  readonly overridden: readonly Overridden[];
  /** For an object, the explanation of every leaf below it. */
  readonly leaves?: readonly Explanation[] | undefined;
}

/** Explains a path from the layers of a snapshot: computed on demand, so merging records nothing per leaf. */
export function explainPath(view: SnapshotView, segments: readonly string[]): Explanation {
  const value = getIn(view.snapshot.values, segments);
  const base = explainLeaf(view, segments, value);
  if (!isObject(value)) return base;
  const leaves: Explanation[] = [];
  collectLeaves(view, [...segments], value, leaves);
  return { ...base, leaves };
}

function explainLeaf(view: SnapshotView, segments: readonly string[], value: Tree | undefined): Explanation {
  const path = formatPath(segments);
  if (value === undefined) return { path, value, source: undefined, overridden: [] };
  let source: string | undefined;
  const overridden: Overridden[] = [];
  for (let i = view.layers.length - 1; i >= 0; i--) {
    const layer = view.layers[i]!;
    const held = getIn(layer.tree, segments);
    if (held === undefined) continue;
    if (source === undefined) source = layer.state.name;
    else overridden.push({ source: layer.state.name, value: deepFreeze(held) });
  }
  return { path, value, source, overridden };
}

function collectLeaves(view: SnapshotView, segments: string[], node: Tree, out: Explanation[]): void {
  if (!isObject(node)) {
    out.push(explainLeaf(view, segments, node));
    return;
  }
  for (const key of Object.keys(node)) {
    segments.push(key);
    collectLeaves(view, segments, node[key]!, out);
    segments.pop();
  }
}
