// What a watched JSON file's change costs the event loop in two checkouts side by side (src/loader/json-edits.ts):
// its whole decode, the map of its text made once its layer is published, and its decode from its edits, for the
// 500-key file of bench/latency.ts and for shapes made to be costly (a wide object, many tiny leaves, long runs of
// escapes). The checkouts' steps are run in turn, the order reversed every other run, so a noisy machine weighs on
// both alike; each figure is the median of the runs, in ms.
//   node --import tsx bench/json-edits.ts <checkout A> <checkout B> [runs=7]
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from './data.ts';

type DecodeText = typeof import('../src/loader/decode-text.ts');
type JsonEdits = typeof import('../src/loader/json-edits.ts');
type Checkout = { decodeText: DecodeText['decodeText']; edits: JsonEdits };

const [a, b, runsText = '7'] = process.argv.slice(2);
if (a === undefined || b === undefined) throw new Error('usage: json-edits.ts <checkout A> <checkout B> [runs]');
const runs = Number(runsText);
const load = async (root: string): Promise<Checkout> => ({
  decodeText: ((await import(join(resolve(root), 'src/loader/decode-text.ts'))) as DecodeText).decodeText,
  edits: (await import(join(resolve(root), 'src/loader/json-edits.ts'))) as JsonEdits,
});
const checkouts = { A: await load(a), B: await load(b) };
const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxValues: 1_000_000 };

/** A text, and the text after a change in place of some of its leaves. */
interface Shape {
  readonly name: string;
  readonly text: string;
  readonly edited: string;
}

/** `text` with each of `values` (a leaf written as `"key":value`) given another number. */
function renumber(text: string, keys: readonly string[]): string {
  let edited = text;
  for (const key of keys) edited = edited.replace(new RegExp(`"${key}":(\\d+)`), (_, n: string) => `"${key}":${Number(n) + 1}`);
  return edited;
}

const config = JSON.stringify(generate(500).production, null, 2);
const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, i])));
const numbers = JSON.stringify({ a: Array.from({ length: 250_000 }, () => 0) });
const quotes = `{"a":"${'\\"'.repeat(250_000)}","b":1}`;
const shapes: Shape[] = [
  { name: '500-key config, its port', text: config, edited: config.replace('"port": 6432', '"port": 6433') },
  { name: '30,000-key object, 1 number', text: wide, edited: renumber(wide, ['k29000']) },
  { name: '30,000-key object, 64 numbers', text: wide, edited: renumber(wide, Array.from({ length: 64 }, (_, i) => `k${i * 400}`)) },
  { name: '250,000 numbers, the last', text: numbers, edited: `${numbers.slice(0, -3)}1]}` },
  { name: '250,000 escaped quotes, 1 number', text: quotes, edited: quotes.replace('"b":1', '"b":2') },
];

const median = (values: number[]): number => [...values].sort((x, y) => x - y)[values.length >> 1]!;

console.log(`A ${a}, B ${b}; ${runs} runs; load average ${loadavg()[0]!.toFixed(2)}`);
console.log(['shape'.padEnd(36), 'chars', ...['decode', 'map', 'edits'].flatMap((step) => [`${step} A`, `${step} B`])].join('\t'));
for (const shape of shapes) {
  const times: Record<string, number[]> = {};
  const timed = (label: string, run: () => unknown): unknown => {
    const start = performance.now();
    const out = run();
    (times[label] ??= []).push(performance.now() - start);
    return out;
  };
  for (let round = 0; round < runs; round++) {
    for (const side of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      const { decodeText, edits } = checkouts[side];
      const report = { values: 0, left: 0 };
      const start = performance.now();
      const tree = await decodeText('json', shape.text, limits, undefined, report, undefined, true);
      (times[`decode ${side}`] ??= []).push(performance.now() - start);
      timed(`map ${side}`, () => edits.mapJsonText(tree, shape.text, { values: report.values, left: report.left }, limits, undefined));
      if (!edits.isMapped(tree)) throw new Error(`${shape.name}: not mapped in ${side}`);
      if (timed(`edits ${side}`, () => edits.decodeEdits(tree, shape.edited, limits, undefined)) === undefined) throw new Error(`${shape.name}: decoded whole in ${side}`);
    }
  }
  const row = ['decode', 'map', 'edits'].flatMap((step) => (['A', 'B'] as const).map((side) => median(times[`${step} ${side}`]!).toFixed(1)));
  console.log([shape.name.padEnd(36), shape.text.length, ...row].join('\t'));
}
