// Load and merge of three layers (two JSON files and the environment), by size, against the floors and the peers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../src/index.ts';
import { convictSchema, flatIndex, loadConvict, loadFloor, loadMicroconf, loadNconf, loadNodeConfig } from './peers.ts';
import type { DataSet } from './data.ts';
import { goal, median, quick, record } from './harness.ts';

/** Load times by implementation, then by size (ms). */
export type LoadTimes = Map<string, Map<number, number>>;

/** Times loads at each size; returns the medians for the report and its plot. */
export async function benchLoad(root: string, sets: Map<number, DataSet>, sizes: number[]): Promise<LoadTimes> {
  const loadTimes: LoadTimes = new Map();
  const rounds = (size: number) => (quick ? (size <= 500 ? 30 : 6) : size <= 500 ? 40 : size <= 5000 ? 24 : 9);
  // Warm-up rounds, not timed: the first loads pay for compiling every library's code.
  const warmup = (size: number) => (size <= 5000 ? 3 : 1);
  for (const size of sizes) {
    const data = sets.get(size)!;
    const dir = join(root, String(size));
    const schema = convictSchema(data.defaults, data.env);
    let open: Config | undefined;
    const texts = await Promise.all(['default.json', 'production.json'].map((file) => readFile(join(dir, file), 'utf8')));
    const loaders: Record<string, () => Promise<unknown>> = {
      // Until the config answers reads; closing it (its file watchers) is not part of loading.
      microconf: async () => (open = await loadMicroconf(dir, data.env)),
      'floor: parse + merge': () => loadFloor(dir, data.env),
      'floor: parse + merge + flat index': async () => flatIndex(await loadFloor(dir, data.env)),
      // For scale only (not a goal's floor): JSON.parse of both texts, already read.
      'JSON.parse of both files': async () => texts.map((text) => JSON.parse(text) as unknown),
      'node-config': () => loadNodeConfig(dir),
      nconf: async () => (await loadNconf(dir, data.env)).get('hosts'),
      convict: () => loadConvict(dir, schema),
    };
    const times = new Map<string, number[]>(Object.keys(loaders).map((name) => [name, []]));
    for (let round = 0; round < rounds(size) + warmup(size); round++) {
      for (const [name, load] of Object.entries(loaders)) {
        const start = performance.now();
        await load();
        if (round >= warmup(size)) times.get(name)!.push(performance.now() - start);
        // Closed before the next library is timed, so its file watchers starting up do not slow the others.
        await open?.close();
        open = undefined;
      }
    }
    for (const [name, list] of times) {
      const value = median(list);
      if (!loadTimes.has(name)) loadTimes.set(name, new Map());
      loadTimes.get(name)!.set(size, value);
      record(`load 3 layers, ${size} keys: ${name}`, value, 'ms');
    }
    const ours = loadTimes.get('microconf')!.get(size)!;
    goal(`load ${size} keys vs parse + merge floor`, ours / loadTimes.get('floor: parse + merge')!.get(size)!, 2, 'lower', '≤ 2× (parse + deep merge)');
    goal(`load ${size} keys: node-config / microconf`, loadTimes.get('node-config')!.get(size)! / ours, 5, 'higher', 'ahead of node-config by ≥ 5×');
  }
  const ours = loadTimes.get('microconf')!;
  for (let i = 1; i < sizes.length; i++) {
    const [from, to] = [sizes[i - 1]!, sizes[i]!];
    goal(`load growth ${from} → ${to} keys`, ours.get(to)! / ours.get(from)!, 12, 'lower', '≤ 12× per 10× keys');
    // For scale, beside ours: the floor's growth and JSON.parse's alone over the same step.
    const grows = (name: string) => (loadTimes.get(name)!.get(to)! / loadTimes.get(name)!.get(from)!).toFixed(2);
    record(`load growth ${from} → ${to} keys: microconf`, ours.get(to)! / ours.get(from)!, '×', `floor: parse + merge ${grows('floor: parse + merge')}×; JSON.parse alone ${grows('JSON.parse of both files')}×`);
  }
  return loadTimes;
}
