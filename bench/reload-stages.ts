// Where one reload of a file's change spends its time, stage by stage, each timed alone on the 500-key JSON file of
// bench/latency.ts rewritten with a new value each round (as the bench's writer does), beside the floor's read and
// parse: node --import tsx bench/reload-stages.ts [rounds]. Each stage runs cold-ish, once per write, as it does in
// a reload; the figures are medians and 90th percentiles over the rounds after the first quarter.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffTrees } from '../src/loader/diff.ts';
import { decodeText, type DecodeReport } from '../src/loader/decode-text.ts';
import { decodeEdits, mapJsonText } from '../src/loader/json-edits.ts';
import { intern } from '../src/reader/intern.ts';
import { mergeLayers } from '../src/reader/merge.ts';
import { normalize, type Tree, type TreeObject } from '../src/reader/tree.ts';
import { sizeBudget } from '../src/reader/budget.ts';
import { matchesFile, withRegularFile } from '../src/sources/read-file.ts';
import { generate } from './data.ts';
import { percentile } from './harness.ts';
import { render, template } from './write-patterns.ts';

const rounds = Number(process.argv[2] ?? 400);
const text = template(generate(500).production as Record<string, unknown>, (document, value) => {
  ((document.hosts as Record<string, Record<string, Record<string, unknown>>>).database!.primary!).port = value;
});
const dir = mkdtempSync(join(tmpdir(), 'reload-stages-'));
const path = join(dir, 'app.json');
const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 };
const times = new Map<string, number[]>();

function timed<T>(stage: string, run: () => T): T {
  const start = process.hrtime.bigint();
  const result = run();
  const list = times.get(stage) ?? [];
  list.push(Number(process.hrtime.bigint() - start) / 1e3);
  times.set(stage, list);
  return result;
}

async function timedAsync<T>(stage: string, run: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await run();
  const list = times.get(stage) ?? [];
  list.push(Number(process.hrtime.bigint() - start) / 1e3);
  times.set(stage, list);
  return result;
}

let layer: Tree = null;
let merged: TreeObject | undefined;
for (let round = 0; round < rounds; round++) {
  writeFileSync(path, render(text, round));
  timed('floor: readFileSync + JSON.parse', () => JSON.parse(readFileSync(path, 'utf8')) as unknown);
  // The file source's read of a file changed in the last seconds: read, stat, read again on the same file, stat.
  const bytes = await timedAsync('read: open, fstat, read, stat, read again, stat, close', () =>
    withRegularFile(path, limits.maxBytes, async (read, _stats, fd) => {
      statSync(path, { bigint: true });
      await matchesFile(path, read, fd);
      statSync(path, { bigint: true });
      return read;
    }),
  );
  const document = timed('text: bytes to a string', () => bytes.toString('utf8'));
  timed('JSON.parse alone (a part of decode)', () => JSON.parse(document) as unknown);
  // The walk of decode alone, as JSON's (plain) and as any other format's, in turn: each on a parse of its own.
  for (const plain of round % 2 === 0 ? [true, false] : [false, true]) {
    const parsed = JSON.parse(document) as unknown;
    timed(`normalize alone, ${plain ? 'plain JSON walk' : 'general walk'} (a part of decode)`, () =>
      normalize(parsed, { maxDepth: limits.maxDepth, budget: sizeBudget(limits.maxBytes), owned: true, distinct: true, plain, previous: layer ?? undefined }),
    );
  }
  // A watched JSON file's layer is mapped once published (below), and its next change decoded from its edits.
  if (layer !== null) {
    const previous = layer;
    timed('decode from the edits (json-edits.ts; env given)', () => decodeEdits(previous, document, limits, process.env));
  }
  const report: DecodeReport = { values: 0 };
  const tree = await timedAsync('decode: parse, normalize and intern (env given)', () => decodeText('json', document, limits, process.env, report, layer ?? undefined));
  timed('map the text (the turn after a whole decode)', () => mapJsonText(tree, document, { values: report.values, left: report.left! }, limits, process.env));
  const kept = timed('intern: what the walk above left', () => intern(layer, tree));
  const values = timed('merge over the defaults, freeze', () => mergeLayers([{}, kept]));
  if (merged !== undefined) {
    const before = merged;
    timed('diff against the last snapshot', () => diffTrees(before, values));
  }
  layer = kept;
  merged = values;
}
rmSync(dir, { recursive: true, force: true });

const skip = Math.floor(rounds / 4);
console.log(`${text.length} bytes, ${rounds} rounds (first ${skip} not counted); µs`);
for (const [stage, list] of times) {
  const counted = list.slice(skip);
  console.log(`${stage.padEnd(56)} p50 ${percentile(counted, 50).toFixed(1).padStart(7)}   p90 ${percentile(counted, 90).toFixed(1).padStart(7)}`);
}
