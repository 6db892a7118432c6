// bench/RESULTS.md from the run's figures and goals, with its plots.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { goals, met, percentile, results } from './harness.ts';
import type { LatencyResults } from './latency.ts';
import type { LoadTimes } from './load.ts';
import { latencyPlot, loadPlot } from './plots.ts';

/** What the report is drawn from. */
export interface ReportInput {
  loadTimes: LoadTimes;
  sizes: number[];
  latency: LatencyResults;
  /** The load average: 1 min before the file latencies, then 1, 5 and 15 min after them. */
  loadAverage: number[];
  goalMs: number;
}

/** Writes bench/RESULTS.md, bench/load.svg and bench/latency.svg. */
export async function writeReport(input: ReportInput): Promise<void> {
  await writeFile(new URL('load.svg', import.meta.url), loadPlot(input.loadTimes, input.sizes));
  await writeFile(new URL('latency.svg', import.meta.url), latencyPlot(input.latency, input.goalMs));
  const file = new URL('RESULTS.md', import.meta.url);
  const written = report(input);
  // Sections other benchmarks write into the file (bench/types.ts: typed reads) are kept as they were.
  const previous = await readFile(file, 'utf8').catch(() => '');
  const ours = new Set([...written.matchAll(/^## (.+)$/gm)].map((match) => match[1]));
  const kept = previous.split(/^(?=## )/m).filter((section) => section.startsWith('## ') && !ours.has(/^## (.+)$/m.exec(section)?.[1]));
  await writeFile(file, [written.trimEnd(), ...kept.map((section) => section.trimEnd())].join('\n\n') + '\n');
}

/** The load average now, for the report (the machine is shared: figures taken under load say so). */
export function currentLoad(): number[] {
  return loadavg();
}

function report({ loadTimes, sizes, latency, loadAverage, goalMs }: ReportInput): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const rows = results.map((r) => `| ${r.name} | ${r.value.toFixed(r.unit === 'ns' ? 1 : 3)} ${r.unit} | ${r.note ?? ''} |`);
  const goalRows = goals.map((g) => `| ${g.what} | ${g.measured.toFixed(2)} | ${g.text} | ${met(g) ? 'met' : '**missed**'} |`);
  return `# Benchmark results

Produced by \`npm run bench\` (\`node --expose-gc --import tsx bench/run.ts\`) on
${new Date().toISOString().slice(0, 10)}. Machine: ${machine}. Shared and noisy: compare the ratios, which are
measured in the same process and run, not the absolute times.

Every library loads the same seeded data (bench/data.ts): default.json with all keys, production.json with about
25% of the values changed, and 20 \`APP__…\` environment overrides; each is checked to return the same probe value
and all 20 environment values before it is timed. Reads are measured with mitata after warming every accessor with
300 different keys (a real program's polymorphic state); loads are medians of interleaved rounds after a warm-up.

## Goals

| what | measured | goal | |
|---|---:|---|---|
${goalRows.join('\n')}

## A file change, from the write to \`get()\`

${latencyTable(latency, goalMs)}

Load average (2 cores): ${loadAverage[0]!.toFixed(2)} before these rows, ${loadAverage.slice(1).map((value) => value.toFixed(2)).join(', ')} after them (1, 5,
15 min).

![latency distribution per write pattern](latency.svg)

How: a 500-key JSON file (production.json of the data set, ${latencyBytes(latency)}), one file source with
\`debounce: 0\`; a writer in another process (as a deploy script or an agent is) writes it ${latency.rows[0]?.ours.length ?? 0}
times per row at the gap shown, in the row's pattern. Each latency runs from just before the call that makes the new
content visible at the path (the write in place, the rename over it, the re-creation, the \`..data\` link renamed
over) to the \`change\` event after which \`get()\` answers the new value (or a newer one: a reader that is late
for a write and reads the next instead owes nothing more), both read on the system's monotonic clock. The floor is
timed the same way in the same run: a bare \`fs.watch\` on the directory, \`readFileSync\` and \`JSON.parse\` on
every event for the file or \`..data\`, nothing else (no coalescing, no checks, no merge, no snapshot).

## Figures

| benchmark | value | note |
|---|---:|---|
${rows.join('\n')}

## Load time against size

![load time against size](load.svg)

Notes:
- microconf's load includes creating the config, reading both files, decoding, the env source, freezing, merging and
  publishing the first snapshot; its file watchers start after it resolves.
- nconf merges lazily at \`get\` time, so its "load" does less work than the others and its reads pay for it.
- Dispatch is measured from the changed paths to the listeners called (diff, watcher index, delivery).
- The snapshot heap is the merged, frozen tree; a whole config also keeps each source's last good layer.
- \`exists()\` of a missing key is one hit in the snapshot's memo of paths (a missing path is remembered as such),
  so its floor in practice is the memo-like \`Map.get\` hit above, while the goal's floor is a \`Map.has\` miss,
  which stops at an empty bucket.
- Load growth: ${growthNote(loadTimes, sizes)}
`;
}

/** The table of the issue: p50 / p99 per pattern and gap, the floor's beside each. */
function latencyTable({ rows, gaps, patterns }: LatencyResults, goalMs: number): string {
  const late = (latencies: number[], p: number) => percentile(latencies.map((ms) => (Number.isNaN(ms) ? Infinity : ms)), p);
  const cell = (latencies: number[]) => `${late(latencies, 50).toFixed(2)} / ${late(latencies, 99).toFixed(2)}`;
  const header = `| writes | ${gaps.map((gap) => `gap ${gap} ms: microconf p50 / p99 | floor p50 / p99`).join(' | ')} |`;
  const rule = `|---|${gaps.map(() => '---:|---:').join('|')}|`;
  const lines = patterns.map((pattern) => {
    const cells = gaps.map((gap) => {
      const row = rows.find((each) => each.pattern === pattern && each.gap === gap);
      if (!row) return '– | –';
      const mark = late(row.ours, 99) <= goalMs && late(row.ours, 50) <= 1.5 * late(row.floor, 50) ? '' : ' ✗';
      return `${cell(row.ours)}${mark} | ${cell(row.floor)}`;
    });
    return `| ${pattern} | ${cells.join(' | ')} |`;
  });
  const writeHeader = `| the write call itself (visible → returned) | ${gaps.map((gap) => `gap ${gap} ms: p50 / p99`).join(' | ')} |`;
  const writeRule = `|---|${gaps.map(() => '---:').join('|')}|`;
  const writeLines = patterns.map((pattern) => {
    const cells = gaps.map((gap) => {
      const row = rows.find((each) => each.pattern === pattern && each.gap === gap);
      return row ? `${percentile(row.writes, 50).toFixed(2)} / ${percentile(row.writes, 99).toFixed(2)}` : '–';
    });
    return `| ${pattern} | ${cells.join(' | ')} |`;
  });
  return (
    `${header}\n${rule}\n${lines.join('\n')}\n\n(ms; ✗ marks a row where p99 > ${goalMs} ms or p50 > 1.5× the floor's.)\n\n` +
    'The writer\'s own call that makes each value visible (the write in place, the rename), timed by the writer: no ' +
    `reader sees a value before it returns, so its tail is in every reader's.\n\n${writeHeader}\n${writeRule}\n${writeLines.join('\n')}`
  );
}

function latencyBytes(latency: LatencyResults): string {
  return latency.bytes === undefined ? 'pretty-printed' : `${(latency.bytes / 1024).toFixed(0)} KiB pretty-printed`;
}

/** The load's growth over the whole range of sizes, beside the floor's, from this run's figures. */
function growthNote(loadTimes: LoadTimes, sizes: number[]): string {
  const ours = loadTimes.get('microconf')!;
  const floor = loadTimes.get('floor: parse + merge')!;
  const parse = loadTimes.get('JSON.parse of both files')!;
  const [first, last] = [sizes[0]!, sizes.at(-1)!];
  const per = (times: Map<number, number>) => (times.get(last)! / times.get(first)!).toFixed(0);
  const step = (parse.get(last)! / parse.get(sizes.at(-2)!)!).toFixed(1);
  return (
    `from ${first} to ${last} keys (${last / first}× the keys) microconf's load grows ${per(ours)}×, the floor's ` +
    `${per(floor)}×. Per step it depends on where each stands: files up to 1 MiB are read synchronously, which puts ` +
    'the middle size near or under the floor (the floor reads asynchronously), and past a few MB parsing and walking ' +
    `fresh objects costs more per key (JSON.parse alone grows ${step}× over the last step here, as the young ` +
    'generation overflows and the collector copies and promotes).'
  );
}
