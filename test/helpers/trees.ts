// Random trees for property tests of the walks over layers and snapshots (diff, intern, merge, freeze, equality).
import fc from 'fast-check';
import type { Tree, TreeObject } from '../../src/reader/tree.ts';

/** An object of the given entries, each an own key (`__proto__` too), in their order. */
export function objectOf(entries: readonly (readonly [string, Tree])[]): TreeObject {
  const out: Record<string, Tree> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** The keys random objects take, hostile ones among them. */
export const KEYS = ['a', 'b', '0', '1', '__proto__', 'constructor'];
/** A leaf, -0 and NaN included. */
export const leaf = fc.constantFrom<Tree>(0, -0, 1, Number.NaN, Infinity, null, '', 'x', true, false);
/** Any node: a leaf, an array or an object of a few children. */
export const { node } = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('node')), { selector: ([key]) => key, maxLength: 4 }).map(objectOf),
  ),
}));
/** An object node of a few children: a layer's root. */
export const root = fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), node), { selector: ([key]) => key, maxLength: 5 }).map(objectOf);
