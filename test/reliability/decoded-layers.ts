// How long the steps that take a layer of 100,000 values (the default maxValues) handed over decoded hold the event
// loop: a memory source's, flags', and the run-time layer's (config.set, config.delete) over such a layer, and the
// walk that opens the `enc:` values of a layer with a decrypter. Figures only, no verdict (the turns are counted in
// test/loader/slices.test.ts). Each step is measured alone, the longest hold of the loop (wall clock) and the most
// CPU time its thread spent at once (Linux, to 10 ms).
//
//   node --import tsx test/reliability/decoded-layers.ts [--package] [--runs 3]
import { loadavg } from 'node:os';
import * as sources from '../../src/index.ts';
import * as secrets from '../../src/secrets/index.ts';
import { measure, ms } from './measure.ts';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const fromPackage = args.includes('--package');
// Specifiers in variables: the package is built on demand, and its types are the sources'.
const built = (entry: string) => new URL(`../../dist/${entry}.mjs`, import.meta.url).href;
const lib = fromPackage ? ((await import(built('index'))) as typeof sources) : sources;
const crypto = fromPackage ? ((await import(built('secrets'))) as typeof secrets) : secrets;

// 100,000 values: the root and 99,999 keys.
const KEYS = 99_999;
const layer = (salt: number) => Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, `v${(i + salt) % 10}`]));

const figures = new Map<string, string[]>();
async function step(name: string, work: () => unknown): Promise<void> {
  const cost = await measure(work);
  if (cost.error !== undefined) throw cost.error;
  const list = figures.get(name) ?? [];
  list.push(`${ms(cost.blockedMs)} (CPU ${cost.blockedCpuMs ?? '?'} ms)`);
  figures.set(name, list);
}

/**
 * Resolves once the config publishes a change of `k1`: told by a watcher of that path, not by a change listener,
 * whose one event would list every changed path (a cost of its own, *What is not guaranteed*).
 */
const changed = (config: sources.Config) =>
  new Promise<void>((resolve) => {
    const watcher = config.watch('k1');
    watcher.on('change', () => {
      watcher.stop();
      resolve();
    });
  });

for (let run = 0; run < runs; run++) {
  const first = layer(0);
  const second = layer(1);
  let source!: sources.MemorySource;
  await step('memorySource(data), its own copy', () => (source = lib.memorySource(first)));
  let config!: sources.Config;
  await step('createConfig over it', async () => (config = await lib.createConfig({ sources: [source] })));
  const reloaded = changed(config);
  await step('replace(data), its own copy', () => source.replace(second));
  await step('the reload that follows', () => reloaded);
  await step('config.set over it', () => config.set('k5', 'x'));
  await step('config.delete over it', () => config.delete('k6'));
  await config.close();
  const argv = Array.from({ length: KEYS }, (_, i) => `--k${i}=v${i % 10}`);
  await step('flagsSource: 99,999 flags read', () => lib.flagsSource({ argv }).read());
  const box = crypto.secretbox({ key: crypto.generateKey() });
  // One key fewer, for the secret.
  const sealed = (salt: number) => ({ ...layer(salt), k0: undefined, secret: crypto.encryptValue(box, `hunter${salt}`) });
  const encrypted = lib.memorySource(sealed(0));
  const decrypting = await lib.createConfig({ sources: [encrypted], decrypt: box });
  // The source's own copy is made before the step: the step is the reload alone.
  const opened = changed(decrypting);
  encrypted.replace(sealed(1));
  await step('the reload that follows, with a decrypter (one enc: value)', () => opened);
  await decrypting.close();
}
for (const [name, list] of figures) console.log(`[decoded layers] 100,000 values, ${name}: loop held ${list.join(', ')}`);
console.log(`[decoded layers] load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
