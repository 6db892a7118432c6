import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern } from '../../src/reader/intern.ts';
import { countKeys, isEmpty, normalize, sortedJson, type Tree } from '../../src/reader/tree.ts';
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

describe('normalize with the previous tree', () => {
  const leaf = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom('s', 't', '${HOME}'), fc.boolean(), fc.constant(null));
  const keys = fc.constantFrom('a', 'b', 'toString', '__proto__');
  const node = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(fc.oneof(leaf, tie('node')), { maxLength: 2 }),
      fc.dictionary(keys, tie('node'), { maxKeys: 3 }),
    ),
  })).node;
  const doc = fc.dictionary(keys, node, { maxKeys: 4 });
  // A parser's fresh result, `__proto__` keys included as own keys.
  const parsed = (data: unknown) => JSON.parse(JSON.stringify(data)) as unknown;
  const env = { HOME: '/home' };
  const options = (previous?: Tree) => ({ maxDepth: 16, freeze: false, owned: true, transform: (text: string) => text.replace('${HOME}', env.HOME), previous });

  /** Whether two trees share nodes with `previous` at exactly the same paths. */
  function sharesAlike(a: Tree | undefined, b: Tree | undefined, previous: Tree | undefined): boolean {
    if ((a === previous) !== (b === previous)) return false;
    if (a === previous || typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return true;
    if (Array.isArray(a) || Array.isArray(b)) return true;
    const before = previous !== null && typeof previous === 'object' && !Array.isArray(previous) ? (previous as Record<string, Tree>) : undefined;
    return Object.keys(a).every((key) =>
      sharesAlike((a as Record<string, Tree>)[key], (b as Record<string, Tree>)[key], before && Object.hasOwn(before, key) ? before[key] : undefined),
    );
  }

  it('gives what intern gives of the normalized document: the same values, the same nodes shared', () => {
    fc.assert(
      fc.property(doc, doc, (before, after) => {
        const previous = normalize(parsed(before), options());
        const interned = intern(previous, normalize(parsed(after), options()));
        const fused = normalize(parsed(after), options(previous));
        expect(fused).toEqual(interned);
        expect(sortedJson(fused)).toBe(sortedJson(interned));
        expect(sharesAlike(fused, interned, previous)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  // A parser of another format hands over more than plain objects: null-prototype objects (smol-toml), Maps and
  // Sets (YAML's !!omap and !!set), frozen nodes, and one node at two paths (a YAML alias). Each is copied or
  // converted rather than sanitized in place, and interned all the same.
  type Shape = { kind: 'leaf'; value: unknown } | { kind: 'list' | 'set'; items: Shape[] } | { kind: 'plain' | 'bare' | 'map' | 'frozen'; entries: [string, Shape][] };
  const shape = fc.letrec<{ shape: Shape }>((tie) => ({
    shape: fc.oneof(
      { depthSize: 'small' },
      leaf.map((value): Shape => ({ kind: 'leaf', value })),
      fc.record({ kind: fc.constantFrom('list' as const, 'set' as const), items: fc.array(tie('shape'), { maxLength: 2 }) }),
      fc.record({
        kind: fc.constantFrom('plain' as const, 'bare' as const, 'map' as const, 'frozen' as const),
        entries: fc.uniqueArray(fc.tuple(keys, tie('shape')), { selector: ([key]) => key, maxLength: 3 }),
      }),
    ),
  })).shape;
  const document = fc.record({ entries: fc.uniqueArray(fc.tuple(keys, shape), { selector: ([key]) => key, maxLength: 4 }), alias: fc.boolean() });
  /** Fresh data of a shape (normalize sanitizes its input in place), with an alias of its first object when asked. */
  function build(shapeOf: Shape): unknown {
    if (shapeOf.kind === 'leaf') return shapeOf.value;
    if ('items' in shapeOf) return shapeOf.kind === 'set' ? new Set(shapeOf.items.map(build)) : shapeOf.items.map(build);
    if (shapeOf.kind === 'map') return new Map(shapeOf.entries.map(([key, item]) => [key, build(item)]));
    const out: Record<string, unknown> = shapeOf.kind === 'bare' ? (Object.create(null) as Record<string, unknown>) : {};
    for (const [key, item] of shapeOf.entries) Object.defineProperty(out, key, { value: build(item), enumerable: true, writable: true, configurable: true });
    return shapeOf.kind === 'frozen' ? Object.freeze(out) : out;
  }
  const data = (doc: { entries: [string, Shape][]; alias: boolean }) => {
    const root = build({ kind: 'plain', entries: doc.entries }) as Record<string, unknown>;
    const shared = Object.values(root).find((item) => typeof item === 'object' && item !== null);
    if (doc.alias && shared !== undefined) Object.defineProperty(root, 'alias', { value: shared, enumerable: true, writable: true, configurable: true });
    return root;
  };

  it('interns copied and converted nodes too: what intern gives of the normalized document, for any input a parser hands over', () => {
    fc.assert(
      fc.property(document, document, (before, after) => {
        const previous = normalize(data(before), options());
        const interned = intern(previous, normalize(data(after), options()));
        const fused = normalize(data(after), options(previous));
        expect(sortedJson(fused)).toBe(sortedJson(interned));
        expect(sharesAlike(fused, interned, previous)).toBe(true);
        // Against itself: every node of an equal document is the previous one.
        expect(normalize(data(before), options(previous))).toBe(previous);
      }),
      { numRuns: 3000 },
    );
  });

  /** Whether every object and array of a tree is frozen. */
  const frozenThrough = (node: unknown): boolean =>
    typeof node !== 'object' || node === null || (Object.isFrozen(node) && Object.values(node).every(frozenThrough));

  it('freezes what it builds in the same walk, the previous nodes it takes in included, frozen or not', () => {
    fc.assert(
      fc.property(document, document, (before, after) => {
        const previous = normalize(data(before), options());
        const fused = normalize(data(after), { ...options(previous), freeze: true });
        expect(sortedJson(fused)).toBe(sortedJson(intern(previous, normalize(data(after), options()))));
        expect(frozenThrough(fused)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('remembers the key count of a large node it freezes: the keys it kept, not those it dropped', () => {
    const wide = JSON.parse(`{"__proto__":1,${Array.from({ length: 700 }, (_, i) => `"k${i}":${i}`).join(',')},"gone":{"constructor":1}}`) as unknown;
    const tree = normalize(wide, { maxDepth: 4, owned: true, freeze: true }) as Record<string, Tree>;
    expect(Object.isFrozen(tree)).toBe(true);
    expect(countKeys(tree)).toBe(701);
    expect(countKeys(tree)).toBe(Object.keys(tree).length);
    expect(isEmpty(tree)).toBe(false);
  });

  it('takes the previous tree whole for an equal document, and leaves it untouched when the document differs', () => {
    const previous = normalize(parsed({ a: { x: 1, list: [1, 2] }, b: 's' }), options());
    const snapshot = sortedJson(previous);
    expect(normalize(parsed({ b: 's', a: { list: [1, 2], x: 1 } }), options(previous))).toBe(previous);
    const next = normalize(parsed({ a: { x: 1, list: [1, 2] }, b: 't' }), options(previous)) as Record<string, Tree>;
    expect(next).not.toBe(previous);
    expect(next.a).toBe((previous as Record<string, Tree>).a);
    const fewer = normalize(parsed({ a: { x: 1 } }), options(previous)) as Record<string, Tree>;
    expect(fewer).toEqual({ a: { x: 1 } });
    expect(sortedJson(previous)).toBe(snapshot);
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
