// Two checkouts of microconf side by side in one process, beside the floor of bench/latency.ts: each row's writes are
// read in turn by the floor, checkout A and checkout B (the order reversed every other round), so a shared, noisy
// machine weighs on all three alike. For comparing a change with what it changes, which the full bench, run twice,
// cannot do on a busy machine:
//   node --import tsx bench/latency-ab.ts <checkout A> <checkout B> [rounds=3] [writes=40] [debounce=0] [pattern…]
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from './data.ts';
import { percentile, sleep } from './harness.ts';
import type { WriterReport, WriterRow } from './latency-writer.ts';
import { FILE, PATTERNS, render, template } from './write-patterns.ts';

type Library = typeof import('../src/index.ts');
type Reader = 'floor' | 'A' | 'B';

const [a, b, roundsText = '3', writesText = '40', debounceText = '0', ...only] = process.argv.slice(2);
if (a === undefined || b === undefined) throw new Error('usage: latency-ab.ts <checkout A> <checkout B> [rounds] [writes] [debounce] [pattern…]');
const rounds = Number(roundsText);
const writes = Number(writesText);
const debounce = Number(debounceText);
const libraries: Record<'A' | 'B', Library> = {
  A: (await import(join(resolve(a), 'src/index.ts'))) as Library,
  B: (await import(join(resolve(b), 'src/index.ts'))) as Library,
};
const text = template(generate(500).production as Record<string, unknown>, (document, value) => {
  ((document.hosts as Record<string, Record<string, Record<string, unknown>>>).database!.primary!).port = value;
});
const root = mkdtempSync(join(tmpdir(), 'latency-ab-'));
const writer = fork(new URL('./latency-writer.ts', import.meta.url), { stdio: 'inherit' });

/** One row of writes read by one reader: each write's latency (ms; Infinity when never seen). */
async function row(reader: Reader, pattern: string, gap: number, count: number): Promise<number[]> {
  const dir = mkdtempSync(join(root, 'row-'));
  PATTERNS[pattern]!.setup(dir, render(text, 0));
  const seen = new Map<number, bigint>();
  const saw = (value: number, at: bigint) => void (seen.has(value) || seen.set(value, at));
  let close: () => unknown;
  if (reader === 'floor') {
    const watcher = watch(dir, (_event, name) => {
      if (name !== FILE && name !== '..data') return;
      let document: { hosts: { database: { primary: { port: number } } } };
      try {
        document = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as typeof document;
      } catch {
        return;
      }
      saw(document.hosts.database.primary.port, process.hrtime.bigint());
    });
    close = () => watcher.close();
  } else {
    const { createConfig, fileSource } = libraries[reader];
    const config = await createConfig({ sources: [fileSource({ path: join(dir, FILE), debounce })] });
    config.on('change', () => {
      const at = process.hrtime.bigint();
      saw(config.get('hosts.database.primary.port').int(-1), at);
    });
    close = () => config.close();
    await sleep(100);
  }
  const values = Array.from({ length: count }, (_, i) => i + 1);
  const report = new Promise<WriterReport>((done) => writer.once('message', (message: WriterReport) => done(message)));
  writer.send({ dir, pattern, template: text, values, gap } satisfies WriterRow);
  const { written } = await report;
  await sleep(300);
  await close();
  rmSync(dir, { recursive: true, force: true });
  // As bench/latency.ts counts: a value is seen when it or a newer one is first answered.
  const latencies: number[] = [];
  let first: bigint | undefined;
  for (let i = values.length - 1; i >= 0; i--) {
    const at = seen.get(values[i]!);
    if (at !== undefined && (first === undefined || at < first)) first = at;
    latencies[i] = first === undefined ? Infinity : Number(first - BigInt(written[i]!)) / 1e6;
  }
  return latencies;
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const readers: Reader[] = debounce > 0 ? ['A', 'B'] : ['floor', 'A', 'B'];
const pooled: Record<Reader, number[]> = { floor: [], A: [], B: [] };
const p = (values: number[], at: number) => percentile(values, at).toFixed(2);
console.log(`load average ${load()}; ${rounds} rounds of ${writes} writes per row and reader; debounce ${debounce}; A ${a}, B ${b}`);
try {
  // Warm-up, not counted.
  for (const reader of readers) await row(reader, 'in place', 10, 20);
  for (const pattern of only.length > 0 ? only : Object.keys(PATTERNS)) {
    for (const gap of [10, 30]) {
      const got: Record<Reader, number[]> = { floor: [], A: [], B: [] };
      for (let round = 0; round < rounds; round++) {
        for (const reader of round % 2 === 0 ? readers : [...readers].reverse()) got[reader].push(...(await row(reader, pattern, gap, writes)));
      }
      for (const reader of readers) pooled[reader].push(...got[reader]);
      const floor = debounce > 0 ? NaN : percentile(got.floor, 50);
      const side = (reader: 'A' | 'B') => `${reader} p50 ${p(got[reader], 50)} (${(percentile(got[reader], 50) / floor).toFixed(2)}×) p99 ${p(got[reader], 99)}`;
      console.log(`${pattern.padEnd(40)} gap ${String(gap).padStart(2)} ms  floor p50 ${floor.toFixed(2)}  ${side('A')}  ${side('B')}`);
    }
  }
  const all = (reader: 'A' | 'B') => `${reader} p50 ${p(pooled[reader], 50)} p90 ${p(pooled[reader], 90)} p99 ${p(pooled[reader], 99)}`;
  console.log(`pooled (ms): floor p50 ${debounce > 0 ? '-' : p(pooled.floor, 50)}  ${all('A')}  ${all('B')}`);
  console.log(`load average ${load()}`);
} finally {
  writer.kill();
  rmSync(root, { recursive: true, force: true });
}
