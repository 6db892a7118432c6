// What a config and its file source keep of a file over 1 MiB once it is read and decoded: its digest, never its
// bytes, so that a reload does not hold the last file's bytes beside the new one's. Whether something is still held
// is told by a weak reference after full collections, not by a resident size.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, fileSource, type ChangeEvent, type ChangeSet, type Config, type Source } from '../../src/index.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** Whether anything still holds what the references point to, after full collections (and a turn between them). */
async function collected(references: readonly WeakRef<object>[]): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return references.every((reference) => reference.deref() === undefined);
}

/** A JSON document of a little over `size` bytes whose one string is `fill` repeated. */
const document = (fill: string, size = 2 * MiB) => JSON.stringify({ a: fill.repeat(size) });

/** A file source read through a wrapper that keeps a weak reference to each change set and to its data. */
function observed(path: string): { source: Source; references: WeakRef<object>[] } {
  const inner = fileSource({ path, watch: false });
  const references: WeakRef<object>[] = [];
  const source: Source = {
    name: inner.name,
    async read(signal, limits) {
      const changeSet = await inner.read(signal, limits);
      references.push(new WeakRef(changeSet), new WeakRef(changeSet.data as object));
      return changeSet;
    },
    close: async () => inner.close?.(),
  };
  return { source, references };
}

describe('a file over 1 MiB', () => {
  it('is not held by its source once read: the source keeps its digest, to tell an identical rewrite', async () => {
    const path = join(await tempDir(), 'large.json');
    await writeFile(path, document('a'));
    const source = fileSource({ path, watch: false });
    const references: WeakRef<object>[] = [];
    // Read in a function of its own: nothing of this frame holds the change set afterwards.
    const readOnce = async () => {
      const changeSet = await source.read();
      expect((changeSet.data as Uint8Array).byteLength).toBe(document('a').length);
      references.push(new WeakRef(changeSet), new WeakRef(changeSet.data as object));
    };
    await readOnce();
    expect(await collected(references)).toBe(true);
    await source.close?.();
  });

  it('is not held by the config once decoded, through loads and reloads: not by its entry, its layer or its snapshot', async () => {
    const path = join(await tempDir(), 'large.json');
    await writeFile(path, document('a'));
    const { source, references } = observed(path);
    const config = await createConfig({ sources: [source] });
    open.push(config);
    expect(config.get('a').string()).toHaveLength(2 * MiB);
    await writeFile(path, document('b'));
    await config.sync();
    expect(config.get('a').string()).toBe('b'.repeat(2 * MiB));
    expect(config.snapshot().sources.find((state) => state.name === source.name)?.checksum).toMatch(/^[0-9a-f]{32,64}$/);
    expect(references).toHaveLength(4);
    expect(await collected(references)).toBe(true);
  });

  it('rewritten identically publishes nothing, by sync and by watch; rewritten at the same size, it publishes', async () => {
    const path = join(await tempDir(), 'large.json');
    await writeFile(path, document('a'));
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    open.push(config);
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    const version = config.snapshot().version;
    await settle(300);
    await writeFile(path, document('a'));
    await config.sync();
    await settle(500);
    expect(events).toEqual([]);
    expect(config.snapshot().version).toBe(version);

    // Same size, other bytes: the digest differs.
    await writeFile(path, document('c'));
    await eventually(() => expect(config.get('a').string()).toBe('c'.repeat(2 * MiB)));
    expect(events).toHaveLength(1);
  });

  it('keeps its checksum, taken before its bytes are moved to the decoding thread', async () => {
    const path = join(await tempDir(), 'large.yaml');
    // No line break at its end: the thread is handed the bytes with one, in the byte their buffer has past them.
    await writeFile(path, `a: ${'y'.repeat(2 * MiB)}`);
    const read: ChangeSet[] = [];
    const inner = fileSource({ path, watch: false });
    const source: Source = { name: inner.name, read: async (signal, limits) => (read[read.length] = await inner.read(signal, limits)) };
    const config = await createConfig({ sources: [source] });
    open.push(config);
    expect(config.get('a').string()).toBe('y'.repeat(2 * MiB));
    const { createHash } = await import('node:crypto');
    const expected = createHash('md5').update(`a: ${'y'.repeat(2 * MiB)}`).digest('hex');
    expect(config.snapshot().sources.find((state) => state.name === source.name)?.checksum).toBe(expected);
    // Taken by the thread, not copied for it: the change set's view of them is empty.
    expect((read[0]!.data as Uint8Array).byteLength).toBe(0);
    expect(read[0]!.checksum).toBe(expected);
  });
});
