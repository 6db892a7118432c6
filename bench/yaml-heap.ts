// The smallest heap a thread needs to decode a YAML document, by parser: the least `maxOldGenerationSizeMb` at which
// a Worker decodes it (found by bisection; a heap past its cap ends the thread), for typical configuration YAML of
// 1, 4 and 16 MiB (services with names, ports, flags, lists, limits and quoted strings).
//
//   node --import tsx bench/yaml-heap.ts [--sizes 1,4,16] [microconf] [js-yaml] [yaml] [empty]
//
// microconf: the YAML encoder and the tree it becomes (decodeTree: js-yaml with the guard, then normalize), as the
// decoding thread runs it; js-yaml: js-yaml 4's load alone; yaml: the yaml package's parseDocument and toJS, which
// microconf used before; empty: the thread itself with microconf's modules loaded, for a document of one line.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { servicesYaml } from '../test/helpers/documents.ts';

const args = process.argv.slice(2);
const sizesAt = args.indexOf('--sizes');
const sizes = sizesAt >= 0 ? args[sizesAt + 1]!.split(',').map(Number) : [1, 4, 16];
const named = args.filter((arg, i) => !arg.startsWith('--') && i !== sizesAt + 1);
const parsers = named.length > 0 ? named : ['microconf', 'js-yaml', 'yaml'];
const MiB = 1024 * 1024;

const here = import.meta.url;
const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(here).resolve('tsx/package.json'))).href;
const source = (path: string) => JSON.stringify(new URL(path, here).href);
const DECODE: Record<string, string> = {
  microconf: `const { yamlEncoder } = await import(${source('../src/encoders/yaml.ts')});
    const { decodeTree } = await import(${source('../src/encoders/encoder.ts')});
    const { sizeBudget } = await import(${source('../src/reader/budget.ts')});
    globalThis.kept = decodeTree(yamlEncoder, text, { maxDepth: 64, budget: sizeBudget(64 * 1024 * 1024, 10_000_000), owned: true, freeze: false });`,
  'js-yaml': `const { default: jsyaml } = await import('js-yaml'); globalThis.kept = jsyaml.load(text);`,
  yaml: `const { parseDocument } = await import('yaml'); globalThis.kept = parseDocument(text, { merge: true, uniqueKeys: false }).toJS();`,
};
DECODE['empty'] = DECODE['microconf']!;

/** Whether a thread whose heap is capped at `capMb` decodes `text` with `parser`. */
function decodes(parser: string, text: string, capMb: number): Promise<boolean> {
  const code = `import(${JSON.stringify(tsx)}).then(async (tsx) => {
    tsx.register();
    const { workerData: text, parentPort } = await import('node:worker_threads');
    ${DECODE[parser]}
    parentPort.postMessage('done');
  })`;
  return new Promise((resolve) => {
    const worker = new Worker(code, { eval: true, workerData: text, resourceLimits: { maxOldGenerationSizeMb: capMb } });
    let done = false;
    worker.on('message', () => {
      done = true;
      void worker.terminate();
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => resolve(done));
  });
}

for (const parser of parsers) {
  for (const size of parser === 'empty' ? [0] : sizes) {
    const text = size === 0 ? 'a: 1\n' : servicesYaml(size * MiB);
    let low = 4;
    let high = 4096;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (await decodes(parser, text, middle)) high = middle;
      else low = middle + 1;
    }
    const factor = size === 0 ? '' : `, ${(low / (text.length / MiB)).toFixed(1)}x the text`;
    console.log(`${parser}: ${(text.length / MiB).toFixed(2)} MiB of YAML decodes in a heap of ${low} MiB${factor}`);
  }
}
