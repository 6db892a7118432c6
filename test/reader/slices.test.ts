// The walks of a large layer in slices (intern, freeze, merge, equality; the diff's in test/loader/slices.test.ts)
// give what their one-step versions give, whatever the size of the slice, and yield as they go.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern, internInSlices } from '../../src/reader/intern.ts';
import { mergeLayers, mergeLayersInSlices } from '../../src/reader/merge.ts';
import { walkWhole, type Meter } from '../../src/reader/slices.ts';
import { drive } from '../helpers/slices.ts';
import { leaf, node, objectOf, root } from '../helpers/trees.ts';
import { cloneTree, deepEqual, deepFreeze, equalInSlices, freezeInSlices, isObject, type Tree, type TreeObject } from '../../src/reader/tree.ts';

/** Layers as the merge is given them: hostile keys are dropped from every layer before it gets there. */
const { layer } = fc.letrec<{ layer: Tree; value: Tree }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 3 }), tie('layer')),
  layer: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', '0', '1'), tie('value')), { selector: ([key]) => key, maxLength: 4 }).map(objectOf),
}));
// Small slices end inside most nodes; larger ones let a walk finish some subtrees in one plain step before it runs
// out inside another (see `src/reader/slices.ts`).
const slice = fc.integer({ min: 1, max: 30 });

/** A deep copy keeping own `__proto__` keys (cloneTree would too, but this says so). */
const copy = (tree: Tree): Tree =>
  isObject(tree) ? objectOf(Object.keys(tree).map((key) => [key, copy(tree[key]!)] as const)) : Array.isArray(tree) ? tree.map(copy) : tree;

/** The paths (of objects and arrays) where `tree` holds the very node `previous` holds. */
function sharedPaths(tree: Tree, previous: Tree, path = '', out: string[] = []): string[] {
  if (typeof tree !== 'object' || tree === null) return out;
  if (tree === previous) {
    out.push(path);
    return out;
  }
  if (isObject(tree) && isObject(previous)) {
    for (const key of Object.keys(tree)) if (Object.hasOwn(previous, key)) sharedPaths(tree[key]!, previous[key]!, `${path}/${key}`, out);
  }
  return out;
}

/**
 * A tree written out, keys in their order, `-0` and `NaN` told apart: toStrictEqual would read an own `constructor`
 * key as the object's type.
 */
const shape = (tree: Tree | undefined): string =>
  typeof tree === 'number'
    ? Object.is(tree, -0)
      ? '-0'
      : String(tree)
    : Array.isArray(tree)
      ? `[${tree.map(shape).join(',')}]`
      : isObject(tree)
        ? `{${Object.keys(tree)
            .map((key) => `${JSON.stringify(key)}:${shape(tree[key])}`)
            .join(',')}}`
        : JSON.stringify(tree);

const isDeepFrozen = (tree: Tree): boolean =>
  typeof tree !== 'object' || tree === null || (Object.isFrozen(tree) && Object.values(tree as TreeObject).every(isDeepFrozen));

describe('walks in slices', () => {
  it('intern as intern does: the same tree, sharing the same previous nodes', () => {
    fc.assert(
      fc.property(root, root, slice, (a, b, size) => {
        const previous = deepFreeze(copy(a));
        // Half the time the next layer restates the previous one, so that whole subtrees are found equal.
        for (const next of [b, a]) {
          const expected = intern(previous, copy(next));
          const { result } = drive((meter) => internInSlices(previous, copy(next), meter), size);
          expect(shape(result)).toBe(shape(expected));
          expect(sharedPaths(result, previous)).toEqual(sharedPaths(expected, previous));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('freeze every node, children before their parent', () => {
    fc.assert(
      fc.property(root, slice, (a, size) => {
        const tree = copy(a);
        const steps = (() => {
          const meter: Meter = { left: size };
          return { meter, walk: freezeInSlices(tree, meter) };
        })();
        // Between two slices, no frozen node holds one that is not.
        for (let step = steps.walk.next(); !step.done; step = steps.walk.next()) {
          const frozenAbove = (node: Tree): boolean =>
            typeof node !== 'object' || node === null || Object.values(node as TreeObject).every((child) => (Object.isFrozen(node) ? isDeepFrozen(child) : frozenAbove(child)));
          expect(frozenAbove(tree)).toBe(true);
          steps.meter.left = size;
        }
        expect(isDeepFrozen(tree)).toBe(true);
        expect(shape(tree)).toBe(shape(a));
      }),
      { numRuns: 2000 },
    );
  });

  it('merge layers as mergeLayers does', () => {
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 4 }), slice, (layers, size) => {
        // Fresh layers for each merge: the two share a memo, which would hand the second the first's result.
        const expected = mergeLayers(layers.map((layer) => deepFreeze(copy(layer))));
        const { result } = drive((meter) => mergeLayersInSlices(layers.map((layer) => deepFreeze(copy(layer))), meter), size);
        expect(shape(result)).toBe(shape(expected));
        expect(isDeepFrozen(result)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('compare as deepEqual does', () => {
    fc.assert(
      fc.property(node, node, slice, (a, b, size) => {
        expect(drive((meter) => equalInSlices(a, b, meter), size).result).toBe(deepEqual(a, b));
        expect(drive((meter) => equalInSlices(a, copy(a), meter), size).result).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('yield about once a slice on a layer of many small objects, each walked in one step between two yields', () => {
    // 9,300 keys, each an object of 3 keys (a leaf, a list of 2, an object of 1): 65,100 values, 46,500 keys.
    const layer = (salt: number) => Object.fromEntries(Array.from({ length: 9_300 }, (_, i) => [`k${i}`, { a: (i + salt) % 10, b: [i, salt], c: { d: salt } }]));
    const previous = deepFreeze(layer(0));
    const interned = drive((meter) => internInSlices(previous, layer(1), meter), 1000);
    expect(interned.yields).toBeGreaterThanOrEqual(46);
    expect(shape(interned.result)).toBe(shape(intern(previous, layer(1))));
    const frozen = drive((meter) => freezeInSlices(interned.result, meter), 1000);
    expect(frozen.yields).toBeGreaterThanOrEqual(46);
    expect(isDeepFrozen(interned.result)).toBe(true);
    const merged = drive((meter) => mergeLayersInSlices([previous, interned.result], meter), 1000);
    expect(merged.yields).toBeGreaterThanOrEqual(46);
    expect(shape(merged.result)).toBe(shape(layer(1)));
    const equal = drive((meter) => equalInSlices(previous, layer(0), meter), 1000);
    expect(equal).toEqual({ result: true, yields: expect.any(Number) });
    expect(equal.yields).toBeGreaterThanOrEqual(46);
  });

  it('yield about once a slice on a layer of many values, and never when the layer fits in one', () => {
    const layer = (salt: number) => Object.fromEntries(Array.from({ length: 93_000 }, (_, i) => [`k${i}`, (i + salt) % 10]));
    const previous = deepFreeze(layer(0));
    const interned = drive((meter) => internInSlices(previous, layer(1), meter), 1000);
    expect(interned.yields).toBeGreaterThanOrEqual(92);
    const frozen = drive((meter) => freezeInSlices(interned.result, meter), 1000);
    expect(frozen.yields).toBeGreaterThanOrEqual(92);
    const merged = drive((meter) => mergeLayersInSlices([deepFreeze({ a: 1 }), interned.result], meter), 1000);
    expect(merged.yields).toBeGreaterThanOrEqual(92);
    expect(merged.result).toStrictEqual({ a: 1, ...layer(1) });
    const small = deepFreeze(cloneTree(layer(0)));
    expect(drive((meter) => mergeLayersInSlices([small], meter), 1_000_000).yields).toBe(0);
    expect(walkWhole((meter) => internInSlices(previous, layer(0), meter))).toBe(previous);
  });
});
