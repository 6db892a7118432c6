// A sliced walk redoes at most what one slice did where a slice ends inside a child (see src/reader/slices.ts): a
// deep subtree larger than a slice is not walked again from each of its levels, a slice of progress thrown away each.
import { describe, expect, it } from 'vitest';
import { diffInSlices, differInSlices } from '../../src/loader/diff.ts';
import { internInSlices } from '../../src/reader/intern.ts';
import { mergeLayersInSlices } from '../../src/reader/merge.ts';
import type { Meter, Walk } from '../../src/reader/slices.ts';
import { cloneTree, deepFreeze, equalInSlices, freezeInSlices, type Tree, type TreeObject } from '../../src/reader/tree.ts';

const SLICE = 100;

/** Runs a sliced walk with `SLICE` units a slice: how many slices it took. */
function slices<T>(start: (meter: Meter) => Walk<T>): number {
  const meter: Meter = { left: SLICE };
  const steps = start(meter);
  for (let count = 1; ; count++) {
    if (steps.next().done) return count;
    meter.left = SLICE;
  }
}

/** `depth` levels of one key each above an object of `wide` keys, whose values are `leaf`: `depth + wide` values. */
function chain(depth: number, wide: number, leaf: number): TreeObject {
  let node: Tree = Object.fromEntries(Array.from({ length: wide }, (_, i) => [`k${i}`, leaf]));
  for (let i = 0; i < depth; i++) node = { a: node, [`s${i}`]: leaf };
  return node as TreeObject;
}

// Each walk visits every value (the two trees differ at their bottom only), so it takes about values / SLICE slices;
// redone from each level, it took a slice a level more.
const shapes = [
  { name: 'a chain 1,000 deep', depth: 1000, wide: 1 },
  { name: 'a chain 60 deep above an object of 1,000 keys', depth: 60, wide: 1000 },
];

describe.each(shapes)('$name', ({ depth, wide }) => {
  const values = 2 * depth + wide;
  const most = Math.ceil((2 * values) / SLICE) + 2;
  const a = () => deepFreeze(chain(depth, wide, 1));
  const b = () => deepFreeze(chain(depth, wide, 2));

  it('is frozen in about one slice a slice of values', () => {
    expect(slices((meter) => freezeInSlices(cloneTree(chain(depth, wide, 1)), meter))).toBeLessThanOrEqual(most);
  });
  it('is interned in about one slice a slice of values', () => {
    expect(slices((meter) => internInSlices(a(), chain(depth, wide, 2), meter))).toBeLessThanOrEqual(most);
  });
  it('is merged in about one slice a slice of values', () => {
    expect(slices((meter) => mergeLayersInSlices([a(), b()], meter))).toBeLessThanOrEqual(most + Math.ceil(values / SLICE));
  });
  it('is compared in about one slice a slice of values', () => {
    // The comparison counts listing an object's keys too: a unit a key more.
    expect(slices((meter) => equalInSlices(a(), b(), meter))).toBeLessThanOrEqual(most + Math.ceil(values / SLICE));
  });
  it('is diffed in about one slice a slice of values', () => {
    expect(slices((meter) => diffInSlices(a(), b(), meter))).toBeLessThanOrEqual(most);
    expect(slices((meter) => differInSlices(a(), b(), meter))).toBeLessThanOrEqual(most);
  });
});
