// Floods of changes and the resources a config holds: the final value always arrives, versions only go up,
// identical content is silent, memory does not grow, and closing leaves nothing behind.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createConfig, envSource, fileSource, memorySource } from '../../src/index.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { figure } from './figures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};

describe('floods', () => {
  it('takes 10,000 changes pushed as fast as possible: final value, rising versions, no growth', async () => {
    const started = Date.now();
    const source = memorySource({ n: 0, stable: { a: 1 } });
    const config = await createConfig({ sources: [source] });
    const versions: number[] = [];
    let identical = 0;
    config.on('change', ({ version, changes }) => {
      versions.push(version);
      for (const change of changes) if (JSON.stringify(change.previous) === JSON.stringify(change.current)) identical++;
    });
    let watched = 0;
    config.watch('n').on('change', () => watched++);
    const flood = async (from: number) => {
      for (let i = from; i < from + 10_000; i++) {
        source.set('n', i);
        if (i % 3 === 0) source.set('stable.a', 1); // identical content: must publish nothing
      }
      await eventually(() => expect(config.get('n').int(-1)).toBe(from + 9_999));
      await settle(50);
    };
    await flood(1);
    const before = heap();
    await flood(20_001);
    const after = heap();
    const ordered = versions.every((version, i) => i === 0 || version === versions[i - 1]! + 1);
    figure('10,000 memory changes in a burst (twice)', {
      trials: 20_000,
      failures: (ordered ? 0 : 1) + identical,
      ms: Date.now() - started,
      note: `${versions.length} snapshots published (bursts coalesce), heap ${((after - before) / 1024).toFixed(0)} KiB after the second flood`,
    });
    expect(ordered).toBe(true);
    expect(identical).toBe(0);
    expect(watched).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(2 * 1024 * 1024);
    await config.close();
  });

  it('takes 1,000 file writes in a second and ends on the last one', async () => {
    const started = Date.now();
    const path = join(await tempDir(), 'flood.json');
    await writeFile(path, '{"n":0}');
    const config = await createConfig({ sources: [fileSource(path)] });
    await settle(150);
    const versions: number[] = [];
    config.on('change', ({ version }) => versions.push(version));
    for (let i = 1; i <= 1000; i++) await writeFile(path, `{"n":${i}}`);
    await eventually(() => expect(config.get('n').int(-1)).toBe(1000));
    const ordered = versions.every((version, i) => i === 0 || version > versions[i - 1]!);
    figure('1,000 file writes as fast as the disk takes them', {
      trials: 1000,
      failures: ordered ? 0 : 1,
      ms: Date.now() - started,
      note: `${versions.length} snapshots published`,
    });
    expect(ordered).toBe(true);
    await config.close();
  });
});

describe('resource hygiene', () => {
  it('creates and closes 1,000 configs (file, env, memory, watchers) leaving no handle behind', async () => {
    const started = Date.now();
    const dir = await tempDir();
    const path = join(dir, 'app.yaml');
    await writeFile(path, 'a: 1\n');
    const resources = () => process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'Timeout').length;
    const baseline = resources();
    const before = heap();
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const config = await createConfig({
            sources: [fileSource(path), envSource({ env: { APP_B: '2' }, strippedPrefix: 'APP' }), memorySource({ c: 3 })],
          });
          const watcher = config.watch('a');
          watcher.on('change', () => {});
          const iterating = (async () => {
            for await (const _ of watcher) break;
          })();
          config.on('change', () => {});
          await config.close();
          await iterating;
        }),
      );
    }
    await settle(200);
    const leftover = resources() - baseline;
    const grown = heap() - before;
    figure('create and close configs with file, env and memory sources and watchers', {
      trials: 1000,
      failures: leftover > 0 ? leftover : 0,
      ms: Date.now() - started,
      note: `${leftover} handles left, heap ${(grown / 1024 / 1024).toFixed(1)} MiB after`,
    });
    expect(leftover).toBeLessThanOrEqual(0);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });

  it('is safe to close during a pending reload', async () => {
    const started = Date.now();
    const dir = await tempDir();
    let failures = 0;
    for (let i = 0; i < 50; i++) {
      const path = join(dir, `r${i}.json`);
      await writeFile(path, '{"a":1}');
      const config = await createConfig({ sources: [fileSource({ path, debounce: i % 3 })] });
      await settle(i % 5);
      await writeFile(path, '{"a":2}');
      try {
        await config.close();
        expect(config.get('a').int(0)).toBeGreaterThan(0);
      } catch {
        failures++;
      }
    }
    figure('close() during a pending reload', { trials: 50, failures, ms: Date.now() - started });
    expect(failures).toBe(0);
  });
});
