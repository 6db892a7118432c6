// Memory: a snapshot against the plain merged object.
import { join } from 'node:path';
import { do_not_optimize } from 'mitata';
import type { Config } from '../src/index.ts';
import { mergeLayers } from '../src/reader/merge.ts';
import { normalize } from '../src/reader/tree.ts';
import type { DataSet } from './data.ts';
import { goal, quick, record } from './harness.ts';
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
    const plain = await heap(() => loadFloor(dir, data.env));
    let config: Config | undefined;
    const whole = await heap(async () => (config = await loadMicroconf(dir, data.env)));
    const values = config!.snapshot().values;
    await config!.close();
    const snapshot = await heap(async () => mergeLayers([normalize(JSON.parse(JSON.stringify(values)), { maxDepth: 64, owned: true })]));
    record(`heap of the plain merged object, ${size} keys`, plain / 1e6, 'MB');
    record(`heap of a microconf snapshot, ${size} keys`, snapshot / 1e6, 'MB', `${(snapshot / plain).toFixed(2)}× the plain object`);
    record(`heap of a whole config (snapshot + the layers it keeps)`, whole / 1e6, 'MB', `${(whole / plain).toFixed(2)}× the plain object`);
    goal('snapshot heap', snapshot / plain, 2, 'lower', '≤ 2× the heap of the plain merged object');
  } else {
    console.log('(memory: run with node --expose-gc to measure)');
  }
}
