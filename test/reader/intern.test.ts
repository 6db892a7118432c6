import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern } from '../../src/reader/intern.ts';
import { normalize, sortedJson, type Tree } from '../../src/reader/tree.ts';
import { createChangeSet, sameData } from '../../src/sources/source.ts';

const tree = (data: unknown) => normalize(data, { maxDepth: 16, freeze: false }) as Record<string, Tree>;

describe('intern', () => {
  it('keeps the previous nodes of every unchanged subtree, and new nodes only along what changed', () => {
    const previous = tree({ a: { x: 1, list: [1, { y: 2 }] }, b: { deep: { z: 'z' } }, c: 1 });
    const next = tree({ a: { x: 2, list: [1, { y: 2 }] }, b: { deep: { z: 'z' } }, c: 1 });
    const kept = intern(previous, next) as Record<string, Record<string, Tree>>;
    expect(kept).toEqual(next);
    expect(kept.b).toBe(previous.b);
    expect(kept.a!.list).toBe((previous.a as Record<string, Tree>).list);
    expect(kept.a).not.toBe(previous.a);
  });

  it('returns the previous tree itself when nothing changed, and never the previous one when a key was removed', () => {
    const previous = tree({ a: { x: 1 }, b: 2 });
    expect(intern(previous, tree({ a: { x: 1 }, b: 2 }))).toBe(previous);
    const fewer = intern(previous, tree({ a: { x: 1 } })) as Record<string, Tree>;
    expect(fewer).toEqual({ a: { x: 1 } });
    expect(fewer.a).toBe(previous.a);
  });

  it('takes the previous nodes into a fresh tree in place, and copies a frozen one, leaving it untouched', () => {
    const previous = tree({ a: { x: 1 }, b: 2 });
    const fresh = tree({ a: { x: 1 }, b: 3 });
    expect(intern(previous, fresh)).toBe(fresh);
    expect(fresh.a).toBe(previous.a);
    const frozen = normalize({ a: { x: 1 }, b: 3 }, { maxDepth: 16 }) as Record<string, Tree>;
    const kept = intern(previous, frozen) as Record<string, Tree>;
    expect(kept).not.toBe(frozen);
    expect(kept.a).toBe(previous.a);
    expect(frozen.a).not.toBe(previous.a);
  });
});

describe('intern, for any pair of documents', () => {
  const doc = fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'd'),
    fc.oneof(fc.integer({ min: 0, max: 2 }), fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: 0, max: 2 }), { maxKeys: 3 })),
    { maxKeys: 4 },
  );

  it('equals the new document, and shares every node equal to the previous one at the same path', () => {
    fc.assert(
      fc.property(doc, doc, (before, after) => {
        const previous = tree(before);
        const next = tree(after);
        const kept = intern(previous, next) as Record<string, Tree>;
        expect(kept).toEqual(next);
        // Reordered keys alone are no change (the previous node comes back); otherwise the new order is kept.
        if (kept !== previous) expect(Object.keys(kept)).toEqual(Object.keys(next));
        for (const key of Object.keys(kept)) {
          if (key in previous && sortedJson(previous[key]!) === sortedJson(next[key]!)) expect(kept[key]).toBe(previous[key]);
        }
        if (sortedJson(previous) === sortedJson(next)) expect(kept).toBe(previous);
        else expect(kept).not.toBe(previous);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sameData', () => {
  it('tells change sets apart by size first, and by checksum when sizes agree', () => {
    const a = createChangeSet('s', 'json', '{"a":1}');
    expect(sameData(a, createChangeSet('s', 'json', '{"a":1}'))).toBe(true);
    expect(sameData(a, createChangeSet('s', 'json', '{"a":2}'))).toBe(false);
    expect(sameData(a, createChangeSet('s', 'json', '{"a":10}'))).toBe(false);
    expect(sameData(createChangeSet('s', 'object', { a: 1 }), createChangeSet('s', 'object', { a: 1 }))).toBe(true);
    expect(sameData(createChangeSet('s', 'object', { a: 1 }), createChangeSet('s', 'object', { a: 2 }))).toBe(false);
  });

  it('compares texts and bytes of the same size as they are, without hashing them', () => {
    const unhashed = (data: string | Uint8Array) => ({ ...createChangeSet('s', 'json', data), get checksum(): string { throw new Error('hashed'); } });
    expect(sameData(unhashed('{"a":1}'), unhashed('{"a":2}'))).toBe(false);
    expect(sameData(unhashed('{"a":1}'), unhashed('{"a":1}'))).toBe(true);
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(sameData(unhashed(bytes('{"a":1}')), unhashed(bytes('{"a":2}')))).toBe(false);
    expect(sameData(unhashed(bytes('{"a":1}')), unhashed(bytes('{"a":1}')))).toBe(true);
  });
});
