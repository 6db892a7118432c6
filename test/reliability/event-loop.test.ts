// Documents that would hold the event loop: a large one is decoded on a thread and handed back in chunks, so a
// timer keeps ticking while it decodes; what no thread can make cheap (a layer of millions of values, each walked
// on the event loop and held in its heap) is refused by maxValues, naming the source. The verdicts compare the
// most CPU time the event loop's thread spent at once with the bar of 1 s: what a loaded machine's scheduler adds to
// the wall clock is not the loop's work (where a thread's CPU time is unknown, the longest wall-clock hold is compared
// with the bar stretched by how starved of CPU the process is). Decoding such a document on the event loop holds it
// for tens of seconds of CPU, far past the bar on any machine. The figures of every shape come from
// `node --import tsx test/reliability/event-loop.ts`.
import { writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig, envSource, fileSource, memorySource } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { measure, mib, report, starvation, type Cost } from './measure.ts';

const MiB = 1024 * 1024;
const BAR_MS = 1000;

/** A YAML document of about `size` characters: keys with values of `width` characters, as many as fit. */
function yamlKeys(size: number, salt: number, width = 80): string {
  const value = `${salt}`.padEnd(width, 'x');
  return Array.from({ length: Math.ceil(size / (width + 15)) }, (_, i) => `key${i}: ${value}`).join('\n');
}

/**
 * Loads a file made by `make(1)`, rewrites it with `make(2)` and reloads it, each measured; `key` reads the salt of
 * each. The event loop must be held less than the bar through both.
 */
async function loadAndReload(file: string, what: string, make: (salt: number) => string, key: string, maxValues?: number): Promise<void> {
  const path = join(await tempDir(), file);
  await writeFile(path, make(1));
  const load = await measure(() => createConfig({ sources: [fileSource({ path, watch: false })], maxValues }));
  expect(load.error).toBeUndefined();
  const config = load.value!;
  report(`${what}: load`, load);
  expect(config.get(key).string('')).toMatch(/^1x+$/);
  await writeFile(path, make(2));
  const reload = await measure(() => config.sync());
  report(`${what}: reload, every value changed`, reload);
  expect(reload.error).toBeUndefined();
  expect(config.get(key).string('')).toMatch(/^2x+$/);
  await config.close();
  expect(heldAtOnce(load)).toBeLessThan(BAR_MS);
  expect(heldAtOnce(reload)).toBeLessThan(BAR_MS);
}

/**
 * The longest the event loop was held, on the bar's scale: its thread's CPU time at once where known, else the
 * wall-clock hold shrunk by how starved of CPU the process is.
 */
function heldAtOnce(cost: Cost<unknown>): number {
  if (cost.blockedCpuMs !== undefined) return cost.blockedCpuMs;
  const stretch = starvation();
  console.log(`[reliability] the machine's load stretches wall-clock time ${stretch.toFixed(1)} times`);
  return cost.blockedMs / stretch;
}

describe('large documents', () => {
  it('decodes 16 MiB of YAML off the event loop: a timer keeps ticking through load and reload', { timeout: 600_000 }, async () => {
    await loadAndReload('large.yaml', '16 MiB of YAML, 84,000 keys', (salt) => yamlKeys(16 * MiB, salt, 185), 'key83800');
  });

  it('decodes 16 MiB of JSON off the event loop, its tree taken in chunks, within the bar, on load and reload', { timeout: 600_000 }, async () => {
    // 95,000 keys with values of 160 characters: as many values as maxValues allows, in 16 MiB.
    const json = (salt: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 95_000 }, (_, i) => [`key${i}`, `${salt}`.padEnd(160, 'x')])));
    await loadAndReload('large.json', '16 MiB of JSON, 95,000 keys', json, 'key94999');
  });

  it('takes 5 MiB of JSON repeating one key within the bar', { timeout: 600_000 }, async () => {
    // 300,000 repeats of a key whose value is 5 values: a tree of 8 values, 1.5 million built by a parse of the text.
    // The text's values are counted before the parse, repeats included: maxValues must admit them. (The engine's
    // parse holds every repeat of a key until the object is built: 900,000 repeats, 15 MiB, need more heap than a
    // document of that size may take, and are refused.)
    const repeated = (salt: number) => `{${'"a":{"b":[1,2,3]},'.repeat(300_000)}"key":"${salt}xxxx"}`;
    await loadAndReload('repeated.json', '5 MiB of JSON, one key repeated 300,000 times', repeated, 'key', 2_000_000);
  });

  it('refuses a layer of more than maxValues values, naming the source, and keeps the last good one', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const path = join(dir, 'dense.json');
    await writeFile(path, '{"a":1}');
    const config = await createConfig({ sources: [fileSource({ path, watch: false })] });
    // A MiB of empty objects: 350,000 values, 21 MiB of heap once built.
    await writeFile(path, `{"a":[${'{},'.repeat(MiB / 3)}{}]}`);
    const refused = await measure(() => config.sync());
    report('1 MiB of JSON empty objects, over maxValues', refused, `refused: ${(refused.error as ConfigError).code}`);
    expect(refused.error).toBeInstanceOf(ConfigError);
    expect(refused.error).toMatchObject({ code: 'LIMIT', source: `file:${path}` });
    expect((refused.error as Error).message).toContain('maxValues');
    expect(config.get('a').int(0)).toBe(1);
    await config.close();
    // The same document, under a limit that admits it.
    const admitted = await createConfig({ sources: [fileSource({ path, watch: false })], maxValues: 400_000 });
    expect(admitted.get('a.349524').exists()).toBe(true);
    await admitted.close();
  });

  it('counts the values of decoded layers too: memory and the environment', async () => {
    const many = Object.fromEntries(Array.from({ length: 120_000 }, (_, i) => [`k${i}`, i]));
    await expect(createConfig({ sources: [memorySource(many)] })).rejects.toMatchObject({ code: 'LIMIT', source: 'memory' });
    const env = Object.fromEntries(Array.from({ length: 120_000 }, (_, i) => [`APP_K${i}`, 'v']));
    await expect(createConfig({ sources: [envSource({ prefix: 'APP', env })] })).rejects.toMatchObject({ code: 'LIMIT' });
    const admitted = await createConfig({ sources: [memorySource(many)], maxValues: 200_000 });
    expect(admitted.get('k119999').int(0)).toBe(119_999);
    await admitted.close();
  });

  it('reports a decode error from the thread at its line and column, quoting nothing', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const path = join(dir, 'broken.yaml');
    await writeFile(path, `${yamlKeys(MiB, 1)}\npassword: [hunter2\n`);
    const error = await createConfig({ sources: [fileSource({ path, watch: false })] }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'DECODE', source: `file:${path}` });
    expect((error as ConfigError).line).toBeGreaterThanOrEqual(11_039);
    expect(`${inspect(error)} ${JSON.stringify(error)} ${String(error)}`).not.toContain('hunter2');
    console.log(`[reliability] a YAML error at line 11,039 of ${mib(MiB)}, decoded on the thread: ${(error as ConfigError).message}`);
  });
});
