// microconf against node-config, nconf and convict, and against the floors, side by side in one process.
//   npm run bench              the full run; writes bench/RESULTS.md, bench/load.svg and bench/latency.svg
//   npm run bench -- --quick   about a minute; fails when a goal is missed by more than 50% (the few goals that
//                              only a full run's samples can judge are printed, not checked)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, writeDataSet } from './data.ts';
import { benchDispatch } from './dispatch.ts';
import { goals, met, missedBadly, quick } from './harness.ts';
import { benchImport } from './import-cost.ts';
import { benchLatency, GOAL_MS } from './latency.ts';
import { benchLoad } from './load.ts';
import { benchMemory } from './memory.ts';
import { benchPublish } from './publish.ts';
import { benchReads } from './reads.ts';
import { currentLoad, writeReport } from './report.ts';

const root = await mkdtemp(join(tmpdir(), 'microconf-bench-'));
const sizes = quick ? [500, 5000] : [500, 5000, 50_000];
const sets = new Map(sizes.map((size) => [size, generate(size)]));
for (const [size, data] of sets) await writeDataSet(data, join(root, String(size)));

await benchReads(root, sets);
const loadTimes = await benchLoad(root, sets, sizes);
const loadBefore = currentLoad();
const latency = await benchLatency(root, sets.get(500)!);
// The 1-minute figure now covers the latency run's last minute.
const loadAverage = [loadBefore[0]!, ...currentLoad()];
await benchDispatch();
await benchPublish(sets);
await benchImport(root);
await benchMemory(root, sets);

await rm(root, { recursive: true, force: true });

console.log('\ngoals:');
for (const g of goals) {
  const judged = g.quickCheck === false ? ' (judged by the full run)' : '';
  console.log(`  ${met(g) ? 'met   ' : 'MISSED'} ${g.what}: ${g.measured.toFixed(2)} (goal ${g.text})${judged}`);
}
console.log(`\nload average before / after the file latencies (1 min), then 5 and 15 min: ${loadAverage.map((value) => value.toFixed(2)).join(', ')}`);

if (!quick) await writeReport({ loadTimes, sizes, latency, loadAverage, goalMs: GOAL_MS });

const badly = goals.filter(missedBadly);
if (quick && badly.length > 0) {
  console.error(`\n${badly.length} goal(s) missed by more than 50%: ${badly.map((g) => g.what).join('; ')}`);
  process.exit(1);
}
if (goals.every(met)) console.log('\nevery goal met');
