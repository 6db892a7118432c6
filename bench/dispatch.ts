// Change dispatch: one leaf changes among 10 or 10,000 watched paths.
import { diffTrees } from '../src/loader/diff.ts';
import { createWatchIndex } from '../src/loader/watch-index.ts';
import { createWatcher, type WatcherHandle } from '../src/loader/watcher.ts';
import { normalize, setIn, type Tree, type TreeObject } from '../src/reader/tree.ts';
import { goal, ns, record } from './harness.ts';

/** Times the path from a change to the listeners called, with few and with many watchers. */
export async function benchDispatch(): Promise<void> {
  // 10,648 leaves in a tree of fan-out 22 (a.b.c), the same for both cases: only the number of watchers differs.
  const fan = 22;
  const tree: Record<string, Tree> = {};
  const paths: string[][] = [];
  for (let a = 0; a < fan; a++) {
    const level: Record<string, Tree> = {};
    for (let b = 0; b < fan; b++) {
      const leaves: Record<string, Tree> = {};
      for (let c = 0; c < fan; c++) {
        leaves[`c${c}`] = c;
        paths.push([`a${a}`, `b${b}`, `c${c}`]);
      }
      level[`b${b}`] = leaves;
    }
    tree[`a${a}`] = level;
  }
  const before = normalize(tree, { maxDepth: 8 }) as TreeObject;
  const after = setIn(before, ['a5', 'b5', 'c5'], -1) as TreeObject;
  const dispatch = async (watchers: number) => {
    const index = createWatchIndex();
    let calls = 0;
    // Every 1,064th path for the small case, every path but a few for the large one; a5.b5.c5 is always watched.
    const step = Math.max(1, Math.floor(paths.length / watchers));
    const chosen = paths.filter((_, i) => i % step === 0).slice(0, watchers - 1);
    for (const path of [...chosen, ['a5', 'b5', 'c5']]) {
      createWatcher(path, { register: (handle: WatcherHandle) => index.add(handle), onListenerError: () => {} }).on('change', () => calls++);
    }
    let flip = false;
    const time = await ns(() => {
      flip = !flip;
      const [from, to] = flip ? [before, after] : [after, before];
      const changes = diffTrees(from, to);
      for (const [entry, change] of index.affected(changes, from, to)) (entry as WatcherHandle).deliver(change, 1);
    });
    if (calls === 0) throw new Error('no watcher was called');
    return time;
  };
  const few = await dispatch(10);
  const many = await dispatch(10_000);
  record('dispatch, one leaf changes, 10 watchers', few / 1000, 'µs');
  record('dispatch, one leaf changes, 10,000 watchers', many / 1000, 'µs', `${(many / few).toFixed(2)}× the 10-watcher case`);
  goal('dispatch with 10,000 watchers', many / 1000, 50, 'lower', '≤ 50 µs per change');
}
