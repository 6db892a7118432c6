import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffInSlices, differInSlices, diffTrees, treesDiffer, type TreeChange } from '../../src/loader/diff.ts';
import { deepEqual, deepFreeze, isObject, type Tree, type TreeObject } from '../../src/reader/tree.ts';
import { drive } from '../helpers/slices.ts';
import { objectOf, root } from '../helpers/trees.ts';

/** The diff as it was first written (one call per node, every key of both sides listed): the reference. */
function referenceDiff(previous: TreeObject, current: TreeObject): TreeChange[] {
  const out: TreeChange[] = [];
  const walk = (a: Tree | undefined, b: Tree | undefined, segments: string[]): void => {
    if (a === b) return;
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        segments.push(key);
        walk(a[key], Object.hasOwn(b, key) ? b[key] : undefined, segments);
        segments.pop();
      }
      for (const key of Object.keys(b)) {
        if (Object.hasOwn(a, key)) continue;
        segments.push(key);
        walk(undefined, b[key], segments);
        segments.pop();
      }
      return;
    }
    if (!deepEqual(a, b)) out.push({ segments: [...segments], previous: a, current: b });
  };
  walk(previous, current, []);
  return out;
}


/** `b` with some of its subtrees replaced by `a`'s node at the same key, so that the two share nodes as snapshots do. */
function sharing(a: Tree, b: Tree, picks: boolean[], at = { i: 0 }): Tree {
  if (!isObject(a) || !isObject(b)) return b;
  return objectOf(
    Object.keys(b).map((key) => {
      const take = picks[at.i++ % picks.length] === true && Object.hasOwn(a, key);
      return [key, take ? a[key]! : sharing(a[key]!, b[key]!, picks, at)] as const;
    }),
  );
}

describe('diffTrees, against the reference', () => {
  it('lists the same changes in the same order on random trees, and treesDiffer agrees with it', () => {
    fc.assert(
      fc.property(root, root, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.boolean(), (a, b, picks, frozen) => {
        const current = sharing(a, b, picks) as TreeObject;
        if (frozen) {
          deepFreeze(a);
          deepFreeze(current);
        }
        const expected = referenceDiff(a, current);
        expect(diffTrees(a, current)).toEqual(expected);
        expect(treesDiffer(a, current)).toBe(expected.length > 0);
        expect(diffTrees(a, a)).toEqual([]);
        expect(treesDiffer(a, a)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('lists the same changes in slices of any size, and differInSlices agrees with treesDiffer', () => {
    fc.assert(
      fc.property(root, root, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 30 }), (a, b, picks, slice) => {
        const current = deepFreeze(sharing(a, b, picks) as TreeObject);
        deepFreeze(a);
        const expected = referenceDiff(a, current);
        expect(drive((meter) => diffInSlices(a, current, meter), slice).result).toEqual(expected);
        expect(drive((meter) => differInSlices(a, current, meter), slice).result).toBe(expected.length > 0);
        expect(drive((meter) => differInSlices(a, a, meter), slice).result).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('yields about once a slice comparing layers of many values', () => {
    const layer = (salt: number) => deepFreeze(objectOf(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i === 19_999 ? salt : 0] as const)));
    const [a, b] = [layer(0), layer(1)];
    const listed = drive((meter) => diffInSlices(a, b, meter), 1000);
    expect(listed.result.map((change) => change.segments.join('.'))).toEqual(['k19999']);
    expect(listed.yields).toBeGreaterThanOrEqual(19);
    const found = drive((meter) => differInSlices(a, b, meter), 1000);
    expect(found.result).toBe(true);
    expect(found.yields).toBeGreaterThanOrEqual(19);
  });

  it('yields about once a slice comparing layers of many small objects, each compared in one step between two yields', () => {
    // 5,000 objects of 4 keys and a list, the last leaf changed: 30,000 keys walked before the change is found.
    const layer = (salt: number) =>
      deepFreeze(objectOf(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, { a: 1, b: [i, 2], c: { d: i === 4_999 ? salt : 0 } }] as const)));
    const [a, b] = [layer(0), layer(1)];
    const listed = drive((meter) => diffInSlices(a, b, meter), 1000);
    expect(listed.result).toEqual(diffTrees(a, b));
    expect(listed.result.map((change) => change.segments.join('.'))).toEqual(['k4999.c.d']);
    expect(listed.yields).toBeGreaterThanOrEqual(25);
    const found = drive((meter) => differInSlices(a, b, meter), 1000);
    expect(found.result).toBe(true);
    expect(found.yields).toBeGreaterThanOrEqual(25);
  });

  it('finds a key added or dropped between frozen objects of many keys, whose key counts it remembers', () => {
    const many = (count: number, extra: Record<string, Tree> = {}) =>
      deepFreeze(objectOf([...Array.from({ length: count }, (_, i) => [`k${i}`, i % 10] as const), ...Object.entries(extra)]));
    const base = many(600);
    const same = many(600);
    const added = many(600, { late: 1 });
    const swapped = deepFreeze(objectOf([...Object.entries(many(599)), ['other', 1]]));
    for (const [a, b] of [
      [base, same],
      [base, added],
      [added, base],
      [base, swapped],
      [swapped, base],
    ] as const) {
      expect(diffTrees(a, b)).toEqual(referenceDiff(a, b));
      expect(treesDiffer(a, b)).toBe(referenceDiff(a, b).length > 0);
    }
    expect(diffTrees(base, swapped).map((change) => change.segments.join('.'))).toEqual(['k599', 'other']);
  });
});
