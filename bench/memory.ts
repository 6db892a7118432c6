// Memory: a snapshot against the plain merged object.
import { join } from 'node:path';
import { do_not_optimize } from 'mitata';
import type { Config } from '../src/index.ts';
import { mergeLayers } from '../src/reader/merge.ts';
import { normalize } from '../src/reader/tree.ts';
import type { DataSet } from './data.ts';
import { goal, median, quick, record } from './harness.ts';
import { loadFloor, loadMicroconf } from './peers.ts';

/** Measures the heap of a snapshot and of a whole config (needs `node --expose-gc`). */
export async function benchMemory(root: string, sets: Map<number, DataSet>): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    const size = quick ? 5000 : 50_000;
    const dir = join(root, String(size));
    const data = sets.get(size)!;
    const heap = async (build: () => Promise<unknown>) => {
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      const kept = await build();
      gc();
      gc();
      const used = process.memoryUsage().heapUsed - before;
      do_not_optimize(kept);
      return used;
    };
    // The median of five: garbage left by what ran before, collected between `before` and `after`, once made the
    // plain object's heap look a third of its size (0.13 MB against 0.35) and its ratio 3×.
    const medianOf = async (measure: () => Promise<number>) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) samples.push(await measure());
      return median(samples);
    };
    const plain = await medianOf(() => heap(() => loadFloor(dir, data.env)));
    let values: unknown;
    const whole = await medianOf(async () => {
      let config: Config | undefined;
      const used = await heap(async () => (config = await loadMicroconf(dir, data.env)));
      values = config!.snapshot().values;
      await config!.close();
      return used;
    });
    const snapshot = await medianOf(() => heap(async () => mergeLayers([normalize(JSON.parse(JSON.stringify(values)), { maxDepth: 64, owned: true })])));
    record(`heap of the plain merged object, ${size} keys`, plain / 1e6, 'MB');
    record(`heap of a microconf snapshot, ${size} keys`, snapshot / 1e6, 'MB', `${(snapshot / plain).toFixed(2)}× the plain object`);
    record(`heap of a whole config (snapshot + the layers it keeps)`, whole / 1e6, 'MB', `${(whole / plain).toFixed(2)}× the plain object`);
    goal('snapshot heap', snapshot / plain, 2, 'lower', '≤ 2× the heap of the plain merged object');
  } else {
    console.log('(memory: run with node --expose-gc to measure)');
  }
}
