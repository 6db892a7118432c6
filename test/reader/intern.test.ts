import { describe, expect, it } from 'vitest';
import { intern } from '../../src/reader/intern.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';
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
});
