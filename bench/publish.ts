// Diff + publish of a large snapshot where one key changed, beside JSON.stringify of it.
import { do_not_optimize } from 'mitata';
import { diffTrees } from '../src/loader/diff.ts';
import { intern } from '../src/reader/intern.ts';
import { mergeLayers } from '../src/reader/merge.ts';
import { normalize, setIn } from '../src/reader/tree.ts';
import { PROBES, type DataSet } from './data.ts';
import { goal, ns, quick, record } from './harness.ts';

/** Times merge + diff of one changed key, and the same after the layer was re-read from a file. */
export async function benchPublish(sets: Map<number, DataSet>): Promise<void> {
  const size = quick ? 5000 : 50_000;
  const data = sets.get(size)!;
  const base = normalize(data.defaults, { maxDepth: 64 });
  const production = normalize(data.production, { maxDepth: 64 });
  const previous = mergeLayers([base, production]);
  const changed = setIn(production, PROBES.leaf.split('.'), 1);
  const publish = await ns(() => {
    const next = mergeLayers([base, changed]);
    do_not_optimize(diffTrees(previous, next));
  });
  const stringify = await ns(() => do_not_optimize(JSON.stringify(previous)));
  // A file re-read gives a layer with no node in common with the last one: interning it first restores the sharing.
  const reparsed = () => normalize(JSON.parse(JSON.stringify(changed)), { maxDepth: 64, owned: true });
  const fresh = reparsed();
  const interned = await ns(() => {
    const layer = intern(production, fresh);
    do_not_optimize(diffTrees(previous, mergeLayers([base, layer])));
  });
  const parse = await ns(() => do_not_optimize(reparsed()));
  record(`merge + diff of a ${size}-key snapshot, one key changed`, publish / 1e6, 'ms', `${(publish / stringify).toFixed(2)}× JSON.stringify`);
  record(`intern + merge + diff, the layer re-read from a file`, interned / 1e6, 'ms', `${(interned / stringify).toFixed(2)}× JSON.stringify; the parse itself takes ${(parse / 1e6).toFixed(2)} ms`);
  record(`JSON.stringify of the ${size}-key snapshot`, stringify / 1e6, 'ms');
  goal(`diff + publish, ${size} keys`, publish / stringify, 2, 'lower', '≤ 2× JSON.stringify of the snapshot');
  goal(`diff + publish after a re-read, ${size} keys`, interned / stringify, 2, 'lower', '≤ 2× JSON.stringify of the snapshot');
}
