// Go Config's own tests (go-micro `config/*_test.go`), ported where microconf has a counterpart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConfig, memorySource, type MemorySource } from '../src/index.ts';
import { eventually } from './helpers/events.ts';

describe("go-micro's config tests", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  // TestConfigWatcherDirtyOverrite: 100 memory sources loaded one by one, each key read back.
  it('loads 100 memory sources one by one, every key readable, with no listener warning', async () => {
    const sources: MemorySource[] = Array.from({ length: 100 }, (_, i) => memorySource(`{"key${i}": "val${i}"}`, { name: `memory${i}` }));
    const config = await createConfig();
    for (const source of sources) await config.load(source);
    for (let i = 0; i < sources.length; i++) expect(config.get(`key${i}`).string('')).toBe(`val${i}`);
    // Every source is followed: a change to each arrives.
    sources.forEach((source, i) => source.replace(`{"key${i}": "changed${i}"}`));
    await eventually(() => {
      for (let i = 0; i < sources.length; i++) expect(config.get(`key${i}`).string('')).toBe(`changed${i}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    await config.close();
  });
});
