// A layer handed over decoded (memory, the environment, flags, a store) is copied in slices: the sliced walk gives
// what `normalize` gives of the same data, the same errors where it fails, whatever the size of the slice, and
// yields as it goes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sizeBudget } from '../../src/reader/budget.ts';
import { normalizeInSlices, type CopyOptions } from '../../src/reader/normalize-slices.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';
import { drive } from '../helpers/slices.ts';

/** A tree written out, keys in their order, `-0`, `NaN` and own hostile keys told apart. */
const shape = (tree: Tree): string =>
  typeof tree === 'number'
    ? Object.is(tree, -0)
      ? '-0'
      : String(tree)
    : typeof tree !== 'object' || tree === null
      ? JSON.stringify(tree)
      : Array.isArray(tree)
        ? `[${tree.map(shape).join(',')}]`
        : `{${Object.keys(tree)
            .map((key) => `${JSON.stringify(key)}:${shape((tree as Record<string, Tree>)[key]!)}`)
            .join(',')}}`;

/** What a walk gave: the tree's shape, or the error's code and message. */
function outcome(walk: () => Tree): string {
  try {
    return shape(walk());
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return `error ${code} ${message}`;
  }
}

/** Data as sources hand it over, and worse: hostile keys, dates, Maps, Sets, bigints, binary data, holes, functions. */
const data = fc.anything({
  key: fc.constantFrom('a', 'b', '0', '__proto__', 'constructor', 'prototype', 'x${V}'),
  values: [fc.constantFrom<unknown>(0, -0, 1, Number.NaN, Infinity, null, undefined, '', 'x', '${V}', true, () => 1), fc.string({ maxLength: 8 })],
  maxDepth: 4,
  maxKeys: 5,
  withDate: true,
  withMap: true,
  withSet: true,
  withBigInt: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
});

describe('normalizeInSlices', () => {
  it('gives what normalize gives of data its caller keeps, and fails where it fails, whatever the slice', () => {
    fc.assert(
      // One value for both walks: neither changes data its caller keeps, what a Set or a Map holds included.
      fc.property(
        data,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.record({ maxBytes: fc.integer({ min: 1, max: 300 }), maxValues: fc.integer({ min: 1, max: 60 }) })),
        fc.boolean(),
        (value, slice, maxDepth, limits, expands) => {
          const options = (): CopyOptions => ({
            maxDepth,
            transform: expands ? (text: string) => text.replaceAll('${V}', 'value') : undefined,
            budget: limits ? sizeBudget(limits.maxBytes, limits.maxValues) : undefined,
          });
          const whole = outcome(() => normalize(value, { ...options(), freeze: false }));
          expect(outcome(() => drive((meter) => normalizeInSlices(value, options(), meter), slice).result)).toBe(whole);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leaves the data as it was, and the copy unfrozen', () => {
    const given = Object.freeze({ a: Object.freeze({ b: '${V}' }), list: Object.freeze([1, 2]) });
    const copied = drive((meter) => normalizeInSlices(given, { maxDepth: 8, transform: () => 'value' }, meter), 1).result as { a: { b: string } };
    expect(copied).toEqual({ a: { b: 'value' }, list: [1, 2] });
    expect(given.a.b).toBe('${V}');
    expect(Object.isFrozen(copied) || Object.isFrozen(copied.a)).toBe(false);
  });

  it('yields about once a slice on a layer of many values, and never when the layer fits in one', () => {
    const layer = Object.fromEntries(Array.from({ length: 93_000 }, (_, i) => [`k${i}`, i % 10]));
    const copied = drive((meter) => normalizeInSlices(layer, { maxDepth: 8 }, meter), 1000);
    expect(copied.yields).toBeGreaterThanOrEqual(92);
    expect(copied.result).toStrictEqual(layer);
    expect(copied.result).not.toBe(layer);
    const nested = { a: [{ b: Array.from({ length: 5000 }, (_, i) => ({ c: i })) }] };
    expect(drive((meter) => normalizeInSlices(nested, { maxDepth: 8 }, meter), 1000).yields).toBeGreaterThanOrEqual(9);
    expect(drive((meter) => normalizeInSlices({ a: { b: [1, 2, 3] } }, { maxDepth: 8 }, meter), 8192).yields).toBe(0);
  });
});
