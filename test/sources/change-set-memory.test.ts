// A change set dropped is collected by the next young collection: its `checksum` getter is one function for every
// change set (and every layer's state), not one per object, which gave each object a hidden class of its own that
// kept it, data and all, until a full collection (a file's text every reload, copied by each young collection).
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createConfig, memorySource } from '../../src/index.ts';
import { createChangeSet, sameData, type ChangeSet } from '../../src/sources/source.ts';
import { eventually } from '../helpers/events.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

const getter = (object: object) => Object.getOwnPropertyDescriptor(object, 'checksum')?.get;

describe('change sets read again and again', () => {
  it('are not kept through young collections once dropped', async () => {
    // As a watched file is read: a new text from the file's bytes each time, compared with the one before.
    const bytes = Buffer.alloc(100_000, 'x');
    gc();
    const before = getHeapStatistics().used_heap_size;
    let handed: ChangeSet | undefined;
    for (let i = 0; i < 200; i++) {
      bytes[0] = 48 + (i % 10);
      const changeSet = createChangeSet('file:app.json', 'json', bytes.toString('utf8'));
      if (handed !== undefined) expect(sameData(handed, changeSet)).toBe(false);
      handed = changeSet;
      await new Promise((resolve) => setImmediate(resolve));
    }
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    // 200 texts of 100 kB were made; about 90 of them (9 MB) were still held here before.
    expect(getHeapStatistics().used_heap_size - before).toBeLessThan(3_000_000);
    expect(handed?.checksum).toMatch(/^[0-9a-f]+$/);
  });

  it('share one checksum getter, as do the states of the layers made from them', async () => {
    const [a, b] = [createChangeSet('s', 'json', '{"a":1}'), createChangeSet('s', 'json', '{"a":2}')];
    expect(getter(a)).toBeDefined();
    expect(getter(a)).toBe(getter(b));
    expect(Object.keys(a)).toContain('checksum');
    expect(a.checksum).not.toBe(b.checksum);
    const source = memorySource({ a: 1 }, { name: 'memory' });
    const config = await createConfig({ sources: [source] });
    try {
      const first = config.snapshot().sources.at(-1)!;
      source.replace({ a: 2 });
      await eventually(() => expect(config.get('a').int()).toBe(2));
      const second = config.snapshot().sources.at(-1)!;
      expect(second).not.toBe(first);
      expect(getter(first)).toBe(getter(second));
      expect(Object.keys(second)).toEqual(['name', 'format', 'checksum', 'timestamp']);
      expect(second.checksum).not.toBe(first.checksum);
      expect(Object.isFrozen(second)).toBe(true);
    } finally {
      await config.close();
    }
  });
});
