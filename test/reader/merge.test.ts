import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeLayers } from '../../src/reader/merge.ts';
import { normalize, sortedJson, type Tree } from '../../src/reader/tree.ts';
import { unflatten } from '../../src/reader/keys.ts';

const layer = (data: unknown): Tree => normalize(data, { maxDepth: 64 });
const merge = (...layers: unknown[]) => mergeLayers(layers.map(layer));

/** The rules, written plainly: objects merge deeply, anything else replaces. */
function reference(earlier: unknown, later: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(earlier) || !isObj(later)) return later;
  const out: Record<string, unknown> = { ...earlier };
  for (const key of Object.keys(later)) out[key] = key in earlier ? reference(earlier[key], later[key]) : later[key];
  return out;
}

describe('mergeLayers', () => {
  it('agrees with the plain rules on any layers, and leaves the layers as they were', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.integer({ min: 0, max: 3 }),
        fc.constant(null),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const doc = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), value, { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(doc, { minLength: 1, maxLength: 4 }), (docs) => {
        const layers = docs.map(layer);
        const before = JSON.stringify(layers);
        const merged = mergeLayers(layers);
        const expected = docs.reduce<unknown>((acc, next) => reference(acc, next), {});
        // Key order is not compared: a later node restating every key of the earlier one is taken with its own order.
        expect(sortedJson(merged)).toBe(sortedJson(expected as Tree));
        expect(JSON.stringify(layers)).toBe(before);
      }),
      { numRuns: 3000 },
    );
  });

  it('merges three and more layers in order, later winning, objects deeply', () => {
    expect(
      merge(
        { a: 1, b: { x: 1, y: 1 }, c: 'keep' },
        { a: 2, b: { y: 2, z: 2 } },
        { b: { z: 3 }, d: true },
        { a: 4 },
      ),
    ).toEqual({ a: 4, b: { x: 1, y: 2, z: 3 }, c: 'keep', d: true });
  });

  it('replaces arrays whole, never concatenating or merging elements', () => {
    expect(merge({ list: [1, 2, 3], objs: [{ a: 1 }] }, { list: [9], objs: [{ b: 2 }] })).toEqual({ list: [9], objs: [{ b: 2 }] });
    expect(merge({ list: [1, 2] }, { list: [] })).toEqual({ list: [] });
  });

  it('lets a later scalar replace an object, an object replace a scalar, and null unset', () => {
    expect(merge({ a: { b: 1 } }, { a: 'x' })).toEqual({ a: 'x' });
    expect(merge({ a: 'x' }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(merge({ a: { b: 1 }, c: 1 }, { a: null })).toEqual({ a: null, c: 1 });
    expect(merge({ a: 1 }, { a: 0 }, { b: '' })).toEqual({ a: 0, b: '' });
  });

  it('keeps keys case-sensitive and an empty object leaves what was there', () => {
    expect(merge({ A: 1 }, { a: 2 })).toEqual({ A: 1, a: 2 });
    expect(merge({ a: { b: 1 } }, { a: {} })).toEqual({ a: { b: 1 } });
  });

  it('skips null (empty) layers and returns a frozen tree sharing untouched subtrees', () => {
    const base = layer({ shared: { deep: { x: 1 } }, other: 1 });
    const merged = mergeLayers([base, null, layer({ other: 2 })]);
    expect(merged).toEqual({ shared: { deep: { x: 1 } }, other: 2 });
    expect(Object.isFrozen(merged)).toBe(true);
    expect(merged.shared).toBe((base as { shared: Tree }).shared);
  });

  it('reuses a later node that restates every key of the earlier one, allocating nothing for it', () => {
    const base = layer({ a: { x: 1, y: { z: 1 } }, b: { k: 1 } });
    const restating = normalize({ a: { x: 2, y: { z: 1 } }, b: { k: 1, extra: 2 } }, { maxDepth: 8, freeze: false }) as Record<string, Tree>;
    const merged = mergeLayers([base, restating]) as Record<string, unknown>;
    expect(merged).toEqual({ a: { x: 2, y: { z: 1 } }, b: { k: 1, extra: 2 } });
    expect(merged.a).toBe(restating.a);
    expect(merged.b).toBe(restating.b);
    expect(Object.isFrozen(restating.a)).toBe(true);
    const partial = normalize({ a: { x: 3 } }, { maxDepth: 8, freeze: false }) as Record<string, Tree>;
    const over = mergeLayers([base, partial]) as Record<string, Record<string, unknown>>;
    expect(over.a).toEqual({ x: 3, y: { z: 1 } });
    expect(over.a).not.toBe(partial.a);
  });

  it('never lets hostile keys reach a prototype, for any input shape', () => {
    const hostile = [
      JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"__proto__":{"polluted":"yes"}}}'),
      JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
      Object.assign(Object.create(null) as object, { __proto__: { polluted: 'yes' }, ok: 1 }),
      { a: Object.create(null) as object, b: null },
      JSON.parse('{"a":{"__proto__":null}}'),
    ];
    for (const input of hostile) {
      for (const target of [{}, Object.create(null) as object, { a: null }, JSON.parse('{"__proto__":{"x":1}}')]) {
        const merged = merge(target, input) as Record<string, unknown>;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(merged.polluted).toBeUndefined();
        expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
        for (const value of Object.values(merged)) {
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
            expect((value as Record<string, unknown>).polluted).toBeUndefined();
          }
        }
        expect(Object.hasOwn(merged, '__proto__')).toBe(false);
        expect(Object.hasOwn(merged, 'constructor')).toBe(false);
      }
    }
  });
});

describe('unflatten', () => {
  it('lets a deeper key win over a scalar at its parent, in either order', () => {
    const shallowFirst = unflatten([
      { segments: ['foo'], value: '1' },
      { segments: ['foo', 'bar'], value: '2' },
    ]);
    const deepFirst = unflatten([
      { segments: ['foo', 'bar'], value: '2' },
      { segments: ['foo'], value: '1' },
    ]);
    expect(shallowFirst).toEqual({ foo: { bar: '2' } });
    expect(deepFirst).toEqual({ foo: { bar: '2' } });
  });

  it('drops hostile segments and writes into copies of decoded documents', () => {
    const doc = Object.freeze({ x: 1 });
    const out = unflatten([
      { segments: ['__proto__', 'polluted'], value: 'yes' },
      { segments: ['a', 'constructor', 'prototype'], value: 'yes' },
      { segments: ['db'], value: doc },
      { segments: ['db', 'y'], value: 2 },
    ]);
    expect(out).toEqual({ db: { x: 1, y: 2 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(doc).toEqual({ x: 1 });
  });
});
