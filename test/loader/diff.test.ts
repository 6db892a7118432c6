import { describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/loader/diff.ts';
import { createWatchIndex, type WatchEntry } from '../../src/loader/watch-index.ts';
import { normalize, type TreeObject } from '../../src/reader/tree.ts';

const tree = (data: unknown) => normalize(data, { maxDepth: 64 }) as TreeObject;

describe('diffTrees', () => {
  it('reports changes at the deepest point where both sides are objects', () => {
    expect(
      diffTrees(tree({ a: { b: 1, c: [1] }, d: 'x', gone: 1 }), tree({ a: { b: 2, c: [1] }, d: { e: 1 }, added: null })),
    ).toEqual([
      { segments: ['a', 'b'], previous: 1, current: 2 },
      { segments: ['d'], previous: 'x', current: { e: 1 } },
      { segments: ['gone'], previous: 1, current: undefined },
      { segments: ['added'], previous: undefined, current: null },
    ]);
  });

  it('treats arrays as values and finds nothing between equal trees', () => {
    expect(diffTrees(tree({ a: [1, { b: 2 }] }), tree({ a: [1, { b: 2 }] }))).toEqual([]);
    expect(diffTrees(tree({ a: [1, 2] }), tree({ a: [2, 1] }))).toEqual([{ segments: ['a'], previous: [1, 2], current: [2, 1] }]);
  });
});

describe('watch index', () => {
  /** An entry that counts how often the index looks at it. */
  function counted(path: string[]) {
    let reads = 0;
    const entry: WatchEntry & { reads(): number } = {
      get segments() {
        reads++;
        return path;
      },
      reads: () => reads,
    };
    return entry;
  }

  it('touches only the watchers on the changed path, however many others there are', () => {
    const index = createWatchIndex();
    const others = Array.from({ length: 10_000 }, (_, i) => counted(['services', `s${i}`, 'port']));
    for (const entry of others) index.add(entry);
    const target = counted(['services', 's42', 'port']);
    index.add(target);
    const before = tree({ services: { s42: { port: 1 } } });
    const after = tree({ services: { s42: { port: 2 } } });
    const readsAfterAdd = others.map((entry) => entry.reads());
    const affected = index.affected(diffTrees(before, after), before, after);
    expect([...affected.keys()]).toEqual([others[42], target]);
    const touched = others.filter((entry, i) => entry.reads() !== readsAfterAdd[i]);
    expect(touched).toEqual([others[42]]);
  });

  it('unregisters and prunes', () => {
    const index = createWatchIndex();
    const remove = index.add({ segments: ['a', 'b'] });
    expect(index.size).toBe(1);
    remove();
    remove();
    expect(index.size).toBe(0);
    const before = tree({ a: { b: 1 } });
    const after = tree({ a: { b: 2 } });
    expect(index.affected(diffTrees(before, after), before, after).size).toBe(0);
  });
});
