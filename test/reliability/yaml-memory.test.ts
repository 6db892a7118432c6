// The heap a YAML document needs follows the document, not a parser's model of it: decoded on a thread whose heap is
// capped at 48 MiB, 4 MiB of typical configuration YAML (nested mappings, lists, quoted and plain scalars) decodes
// into a tree (js-yaml built the data as it read; the whole needs about 32 MiB with the thread's own start-up), and a
// chain of merges is refused by maxValues before it is built. The yaml package's document model needed 303 MiB for
// the same 4 MiB. No timing: a heap past its cap ends the thread, a verdict that does not depend on the machine.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { servicesYaml } from '../helpers/documents.ts';

const MiB = 1024 * 1024;
const CAP_MB = 48;

/** What a thread with a heap of `capMb` answers for decoding `text` as a layer of at most `maxValues` values: its key count, an error's code, or that it died. */
function decodeOnThread(text: string, capMb: number, maxValues: number): Promise<{ keys?: number; code?: string; message?: string; died?: boolean }> {
  const here = import.meta.url;
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(here).resolve('tsx/package.json'))).href;
  const source = (path: string) => JSON.stringify(new URL(path, here).href);
  const code = `import(${JSON.stringify(tsx)}).then(async (tsx) => {
    tsx.register();
    const { workerData, parentPort } = await import('node:worker_threads');
    const { yamlEncoder } = await import(${source('../../src/encoders/yaml.ts')});
    const { decodeTree } = await import(${source('../../src/encoders/encoder.ts')});
    const { sizeBudget } = await import(${source('../../src/reader/budget.ts')});
    try {
      const tree = decodeTree(yamlEncoder, workerData.text, { maxDepth: 64, budget: sizeBudget(16 * 1024 * 1024, workerData.maxValues), owned: true, freeze: false });
      parentPort.postMessage({ keys: Object.keys(tree).length });
    } catch (error) {
      parentPort.postMessage({ code: error.code, message: error.message });
    }
  })`;
  return new Promise((resolve) => {
    const worker = new Worker(code, { eval: true, workerData: { text, maxValues }, resourceLimits: { maxOldGenerationSizeMb: capMb } });
    let answer: { keys?: number; code?: string; message?: string } | undefined;
    worker.on('message', (message: typeof answer) => {
      answer = message;
      void worker.terminate();
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => resolve(answer ?? { died: true }));
  });
}

describe('YAML decoding memory', () => {
  it(`decodes 4 MiB of typical YAML on a thread whose heap is capped at ${CAP_MB} MiB`, { timeout: 120_000 }, async () => {
    const text = servicesYaml(4 * MiB);
    // 270,000 values: more than the default maxValues, which a config with this much to hold raises.
    const answer = await decodeOnThread(text, CAP_MB, 1_000_000);
    expect(answer).toEqual({ keys: text.split('\nservice_').length });
  });

  it(`refuses a chain of merges by maxValues under the same cap, before building it`, { timeout: 120_000 }, async () => {
    // Link k merges link k - 1 and adds a key: 20,000 links would hold 200 million values.
    const chain = ['m0: &m0 {a0: 1}', ...Array.from({ length: 20_000 }, (_, k) => `m${k + 1}: &m${k + 1} {<<: *m${k}, a${k + 1}: 1}`)].join('\n');
    const answer = await decodeOnThread(chain, CAP_MB, 100_000);
    expect(answer).toMatchObject({ code: 'LIMIT', message: expect.stringContaining('maxValues') });
  });
});
