// A large layer is interned, frozen, merged and compared in slices, the event loop turning between them, and every
// guarantee of a publish holds across those turns: published whole or not at all, nothing after close(), a newer
// change of the same source never overwritten by an older one still being merged.
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, type ChangeEvent, type Config } from '../../src/index.ts';
import { SLICE_VALUES } from '../../src/loader/slices.ts';
import { readsAsked, scriptedSource } from '../helpers/sources.ts';
import { encryptValue, generateKey, secretbox } from '../../src/secrets/index.ts';
import { createChannel } from '../../src/channel.ts';

const VALUES = 93_000;
/** A layer of 93,000 keys, every value changed from one salt to the next. */
const large = (salt: number) => Object.fromEntries(Array.from({ length: VALUES }, (_, i) => [`k${i}`, (i + salt) % 10]));
/** How many slices a walk of every value of the layer takes at least. */
const WALK = Math.floor(VALUES / SLICE_VALUES);

/** Counts the turns of the event loop (one setImmediate after another) until stopped. */
function turns() {
  let count = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    count++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      running = false;
      return count;
    },
  };
}

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** A config over a scripted source, loaded with `first`. */
async function loaded(first: Record<string, unknown>) {
  const source = scriptedSource();
  const creating = createConfig({ sources: [source] });
  await readsAsked(source, 1);
  const counting = turns();
  source.reads[0]!.answer(first);
  const config = await creating;
  open.push(config);
  return { source, config, loadTurns: counting.stop() };
}

/** Starts a `sync()` and answers its read with `data`; the turns counted from the answer until `sync()` settles. */
async function syncWith(config: Config, source: ReturnType<typeof scriptedSource>, data: Record<string, unknown>) {
  const reads = source.reads.length;
  const syncing = config.sync();
  await readsAsked(source, reads + 1);
  const counting = turns();
  source.reads[reads]!.answer(data);
  const state = { done: false };
  return {
    syncing: syncing.finally(() => {
      state.done = true;
      counting.stop();
    }),
    counting,
    /** Waits for `count` turns from the answer, or for the sync to settle, whichever comes first. */
    async turned(count: number) {
      while (counting.count < count && !state.done) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('a large layer in slices', () => {
  it('lets the event loop turn while a layer of 93,000 values is frozen on load, and interned, frozen and compared on reload', async () => {
    const { source, config, loadTurns } = await loaded(large(0));
    // Frozen in slices (there is nothing to intern it against, nor to compare it with, on load).
    expect(loadTurns).toBeGreaterThanOrEqual(WALK);
    expect(config.get('k7').int()).toBe(7);
    const { syncing, counting } = await syncWith(config, source, large(1));
    await syncing;
    // Interned and frozen, a slice at a time each: the comparison stops at the first value changed.
    expect(counting.count).toBeGreaterThanOrEqual(2 * WALK);
    expect(config.get('k7').int()).toBe(8);
    expect(config.snapshot().version).toBe(2);
  });

  it('lists every change of a reload in slices for a change listener, and publishes them in one event', async () => {
    const { source, config } = await loaded(large(0));
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    const { syncing, counting } = await syncWith(config, source, large(1));
    await syncing;
    expect(counting.count).toBeGreaterThanOrEqual(3 * WALK);
    expect(events).toHaveLength(1);
    expect(events[0]!.changes).toHaveLength(VALUES);
    expect(events[0]!.changes[7]).toMatchObject({ path: 'k7', previous: 7, current: 8, version: 2 });
  });

  it('compares a large layer decoded on the event loop in slices too, after the step that decodes it', async () => {
    // 20,000 keys of JSON: under 1 MiB, decoded on the event loop, interned and frozen as it is normalized.
    const keys = (salt: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, (i + salt) % 10])));
    const source = scriptedSource();
    const creating = createConfig({ sources: [source] });
    await readsAsked(source, 1);
    source.reads[0]!.answer(keys(0), 'json');
    const config = await creating;
    open.push(config);
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    const reads = source.reads.length;
    const syncing = config.sync();
    await readsAsked(source, reads + 1);
    const counting = turns();
    source.reads[reads]!.answer(keys(1), 'json');
    await syncing;
    expect(counting.stop()).toBeGreaterThanOrEqual(Math.floor(20_000 / SLICE_VALUES));
    expect(events[0]!.changes).toHaveLength(20_000);
  });

  it('copies a layer handed over decoded in slices, then freezes it in slices', async () => {
    // The copy that normalizes the source's data was one step before its slices (100,000 keys: 160-470 ms).
    const { config, loadTurns } = await loaded(large(0));
    expect(loadTurns).toBeGreaterThanOrEqual(2 * WALK);
    expect(config.get('k92999').int()).toBe(92_999 % 10);
  });

  it('opens the enc: values of a large layer in slices, and interns it in slices, on reload', async () => {
    const box = secretbox({ key: generateKey() });
    const sealed = (salt: number) => ({ ...large(salt), secret: encryptValue(box, `hunter${salt}`) });
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], decrypt: box });
    await readsAsked(source, 1);
    source.reads[0]!.answer(sealed(0));
    const config = await creating;
    open.push(config);
    const { syncing, counting } = await syncWith(config, source, sealed(1));
    await syncing;
    // Five walks of every value: copied, frozen, opened, interned, staged (three before: opened and interned whole).
    expect(counting.count).toBeGreaterThanOrEqual(5 * WALK);
    expect(config.get('secret').string()).toBe('hunter1');
    expect(config.get('k7').int()).toBe(8);
  });

  it('publishes a newer layer whose enc: values are being opened when the keys change, not the one before it', async () => {
    const box = secretbox({ key: generateKey() });
    const keys = createChannel<void>();
    const decrypter = { decrypt: (sealed: Uint8Array) => box.decrypt(sealed), watch: (signal?: AbortSignal) => keys.subscribe(signal) };
    const sealed = (salt: number) => ({ ...large(salt), secret: encryptValue(box, `hunter${salt}`) });
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], decrypt: decrypter });
    await readsAsked(source, 1);
    source.reads[0]!.answer(sealed(0));
    const config = await creating;
    open.push(config);
    // Copied and frozen (two walks), then opened: the keys change while the newer layer is being opened.
    const { syncing, turned } = await syncWith(config, source, sealed(1));
    await turned(2 * WALK + 2);
    keys.push();
    await syncing;
    for (let i = 0; i < 6 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('secret').string()).toBe('hunter1');
    expect(config.get('k7').int()).toBe(8);
  });

  it('opens a large layer again with the new keys when they change while its values are being opened', async () => {
    const [before, after] = [secretbox({ key: generateKey() }), secretbox({ key: generateKey() })];
    let box = before;
    const keys = createChannel<void>();
    const decrypter = { decrypt: (sealed: Uint8Array) => box.decrypt(sealed), watch: (signal?: AbortSignal) => keys.subscribe(signal) };
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], decrypt: decrypter });
    await readsAsked(source, 1);
    source.reads[0]!.answer({ ...large(0), secret: encryptValue(before, 'hunter0') });
    const config = await creating;
    open.push(config);
    const errors: unknown[] = [];
    config.on('error', (error) => errors.push(error));
    // Sealed for the new keys: its first value fails with the old ones, opened before they change.
    const { syncing, turned } = await syncWith(config, source, { first: encryptValue(after, 'a'), ...large(1), secret: encryptValue(after, 'hunter1') });
    await turned(2 * WALK + 5);
    box = after;
    keys.push();
    await syncing;
    for (let i = 0; i < 6 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('secret').string()).toBe('hunter1');
    expect(config.get('first').string()).toBe('a');
  });

  it('publishes a read under way when the keys change, not the layer before it, a small one too', async () => {
    const box = secretbox({ key: generateKey() });
    const keys = createChannel<void>();
    const decrypter = { decrypt: (sealed: Uint8Array) => box.decrypt(sealed), watch: (signal?: AbortSignal) => keys.subscribe(signal) };
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], decrypt: decrypter });
    await readsAsked(source, 1);
    source.reads[0]!.answer({ secret: encryptValue(box, 'hunter0') });
    const config = await creating;
    open.push(config);
    const syncing = config.sync();
    await readsAsked(source, 2);
    keys.push();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    source.reads[1]!.answer({ secret: encryptValue(box, 'hunter1') });
    await syncing;
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('secret').string()).toBe('hunter1');
  });

  it('keeps a small layer in one step: no turn of the event loop between its read and its publish', async () => {
    const { source, config, loadTurns } = await loaded({ a: 1 });
    expect(loadTurns).toBe(0);
    const { syncing, counting } = await syncWith(config, source, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])));
    await syncing;
    expect(counting.count).toBe(0);
    expect(config.get('k499').int()).toBe(499);
  });

  it('publishes nothing once the config closes during a slice, whichever slice it is', async () => {
    for (const after of [1, WALK, 2 * WALK + 1]) {
      const { source, config } = await loaded(large(0));
      const published: number[] = [];
      config.on('change', (event) => published.push(event.version));
      const { syncing, turned } = await syncWith(config, source, large(1));
      await turned(after);
      await config.close();
      await syncing;
      for (let i = 0; i < 3 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(published).toEqual([]);
      expect(config.snapshot().version).toBe(1);
      expect(config.get('k7').int()).toBe(7);
    }
  });

  it('never lets a large layer still being merged overwrite a newer change of its source', async () => {
    const { source, config } = await loaded(large(0));
    const { syncing, turned } = await syncWith(config, source, large(1));
    // The read's layer is being interned and frozen; the watch brings a newer one meanwhile.
    await turned(WALK);
    source.push({ k0: 'newer' });
    await syncing;
    for (let i = 0; i < 3 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('k0').string()).toBe('newer');
    expect(config.get('k1').exists()).toBe(false);
  });

  it('merges two large layers of one sync at once, each whole', async () => {
    const [a, b] = [scriptedSource('a'), scriptedSource('b')];
    const creating = createConfig({ sources: [a, b] });
    await Promise.all([readsAsked(a, 1), readsAsked(b, 1)]);
    a.reads[0]!.answer(large(0));
    b.reads[0]!.answer({ ...large(5), only: 'b' });
    const config = await creating;
    open.push(config);
    const syncing = config.sync();
    await Promise.all([readsAsked(a, 2), readsAsked(b, 2)]);
    const seen: string[] = [];
    const watching = turns();
    const check = setInterval(() => seen.push(`${config.get('k0').int()}/${config.get('only').string('')}`), 0);
    a.reads[1]!.answer(large(1));
    b.reads[1]!.answer(large(2));
    await syncing;
    clearInterval(check);
    watching.stop();
    // Readers saw the old snapshot or the new one, never a mix: b's layer still on top, or b's new one without `only`.
    expect(new Set(seen)).toEqual(new Set(seen.filter((state) => state === '5/b' || state === '2/')));
    expect(config.get('k0').int()).toBe(2);
    expect(config.get('only').exists()).toBe(false);
    expect(config.snapshot().version).toBe(2);
  });

  // What changes while a publish is staged is published with it, or after it, never lost under it.

  /** A sync of `data` started, and the staging of its layer under way after `turns` turns (asserted). */
  async function staging(config: Config, source: ReturnType<typeof scriptedSource>, data: Record<string, unknown>, turns = WALK) {
    const sync = await syncWith(config, source, data);
    let done = false;
    void sync.syncing.then(() => (done = true));
    await sync.turned(turns);
    expect(done).toBe(false);
    return { syncing: sync.syncing };
  }

  it('keeps a config.set() and a config.delete() made while a large layer is staged', async () => {
    const { source, config } = await loaded(large(0));
    const { syncing } = await staging(config, source, large(1));
    await config.set('extra', 'x');
    await config.set('k5', 'over');
    await config.delete('k3');
    await syncing;
    expect(config.get('extra').string()).toBe('x');
    expect(config.get('k5').string()).toBe('over');
    expect(config.get('k3').exists()).toBe(false);
    expect(config.get('k7').int()).toBe(8);
  });

  it('tells a change listener and a watcher attached while a large layer is staged, and not one removed meanwhile', async () => {
    const { source, config } = await loaded(large(0));
    const removed: ChangeEvent[] = [];
    const gone = (event: ChangeEvent) => removed.push(event);
    config.on('change', gone);
    const { syncing } = await staging(config, source, large(1));
    config.off('change', gone);
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    const seen: unknown[] = [];
    config.watch('k7').on('change', (value) => seen.push(value.raw()));
    await syncing;
    expect(removed).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]!.changes).toHaveLength(VALUES);
    expect(seen).toEqual([8]);
  });

  it('publishes the newer of two syncs whose large layers are staged at once', async () => {
    const { source, config } = await loaded(large(0));
    const { syncing: first } = await staging(config, source, large(1));
    const { syncing: second } = await staging(config, source, large(2), 1);
    await Promise.all([first, second]);
    for (let i = 0; i < 3 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('k7').int()).toBe(9);
  });

  it('keeps the last good snapshot when the schema refuses a large layer staged, and takes the next', async () => {
    const schema = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) => ((value as Record<string, unknown>).k7 === 8 ? { issues: [{ message: 'k7 may not be 8' }] } : { value }),
      },
    };
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], schema });
    await readsAsked(source, 1);
    source.reads[0]!.answer(large(0));
    const config = await creating;
    open.push(config);
    const events: ChangeEvent[] = [];
    config.on('change', (event) => events.push(event));
    await expect((await syncWith(config, source, large(1))).syncing).rejects.toThrow(/k7 may not be 8/);
    expect(config.get('k7').int()).toBe(7);
    expect(events).toEqual([]);
    await (await syncWith(config, source, large(2))).syncing;
    expect(config.get('k7').int()).toBe(9);
    expect(events.map((event) => event.version)).toEqual([2]);
  });

  it('publishes another source changed while a large layer is staged, in order, and both layers in the end', async () => {
    const [a, b] = [scriptedSource('a'), scriptedSource('b')];
    const creating = createConfig({ sources: [a, b] });
    await Promise.all([readsAsked(a, 1), readsAsked(b, 1)]);
    a.reads[0]!.answer(large(0));
    b.reads[0]!.answer({ only: 'b0' });
    const config = await creating;
    open.push(config);
    const versions: number[] = [];
    config.on('change', (event) => versions.push(event.version));
    const syncing = config.sync();
    await Promise.all([readsAsked(a, 2), readsAsked(b, 2)]);
    b.reads[1]!.answer({ only: 'b0' });
    a.reads[1]!.answer(large(1));
    for (let i = 0; i < WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    b.push({ only: 'b1' });
    await syncing;
    for (let i = 0; i < 6 * WALK; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(config.get('only').string()).toBe('b1');
    expect(config.get('k7').int()).toBe(8);
    expect(versions).toEqual([2, 3]);
  });
});
