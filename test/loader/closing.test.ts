// close() as a bound: pending reads and watches end, every source is closed, and every caller waits for all of it.
// Read deadlines, and a source given to two configs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, createConfig, memorySource, type ChangeSet, type Config, type Source } from '../../src/index.ts';
import { deferred, readsAsked, scriptedSource } from '../helpers/sources.ts';

const open: Config[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** Lets every pending callback of this turn run (no timer involved). */
const turns = async (count = 20) => {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe('close()', () => {
  it('ends a load() stuck on a read, aborting the read and closing its source', async () => {
    const config = await createConfig({});
    const stuck = scriptedSource('stuck');
    const loading = config.load(stuck);
    await readsAsked(stuck, 1);
    // Held to its expectation before closing: the load fails while close() is still under way.
    const failed = expect(loading).rejects.toMatchObject({ code: 'CLOSED' });
    await config.close();
    await failed;
    expect(stuck.reads[0]!.signal?.aborted).toBe(true);
    expect(stuck.closes).toBe(1);
  });

  it('returns when a watch ignores the abort signal and never ends', async () => {
    const deaf: Source = {
      name: 'deaf',
      read: async () => ({ data: { a: 1 }, format: 'object', checksum: 'x', source: 'deaf', timestamp: 0 }),
      watch: () => {
        const iterator: AsyncIterableIterator<ChangeSet> = {
          [Symbol.asyncIterator]: () => iterator,
          next: () => new Promise<IteratorResult<ChangeSet>>(() => {}),
          return: () => new Promise<IteratorResult<ChangeSet>>(() => {}),
        };
        return iterator;
      },
    };
    const config = await createConfig({ sources: [deaf] });
    await config.close();
    expect(config.get('a').int()).toBe(1);
  });

  it('waits a bounded time for a source whose close() never returns', async () => {
    const hanging = { ...memorySource({ a: 1 }, { name: 'hanging' }), close: () => new Promise<void>(() => {}) };
    const config = await createConfig({ sources: [hanging] });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let closed = false;
    const closing = config.close().then(() => (closed = true));
    await turns();
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    await closing;
    expect(closed).toBe(true);
  });

  it('resolves for every concurrent caller only once every source is closed', async () => {
    const gate = deferred();
    const slow = { ...memorySource({ a: 1 }, { name: 'slow' }), close: () => gate.promise };
    const config = await createConfig({ sources: [slow] });
    const settled: string[] = [];
    const first = config.close().then(() => settled.push('first'));
    const second = config.close().then(() => settled.push('second'));
    await turns();
    expect(settled).toEqual([]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(settled.sort()).toEqual(['first', 'second']);
  });
});

describe('read deadline', () => {
  it('rejects createConfig when a read takes longer than readTimeout, naming the source, and closes it', async () => {
    const stuck = scriptedSource('stuck');
    const error = (await createConfig({ readTimeout: 50, sources: [stuck] }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'READ', source: 'stuck' });
    expect(error.message).toContain('no answer within 50 ms');
    expect(stuck.reads[0]!.signal?.aborted).toBe(true);
    expect(stuck.closes).toBe(1);
  });

  it('rejects sync() on a read past the deadline, keeping the last good layer', async () => {
    const source = scriptedSource('slow');
    const creating = createConfig({ readTimeout: 50, sources: [source] });
    await readsAsked(source, 1);
    source.reads[0]!.answer({ a: 1 });
    const config = await creating;
    open.push(config);
    await expect(config.sync()).rejects.toMatchObject({ code: 'READ', source: 'slow' });
    expect(config.get('a').int()).toBe(1);
  });

  it('refuses a readTimeout that is not a positive number', async () => {
    for (const readTimeout of [0, -1, Number.NaN, Infinity]) {
      await expect(createConfig({ readTimeout })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    }
  });
});

describe('a source in two configs', () => {
  it('is refused: a source belongs to one config, since closing that config closes it', async () => {
    const source = memorySource({ a: 1 }, { name: 'shared' });
    const first = await createConfig({ sources: [source] });
    open.push(first);
    await expect(createConfig({ sources: [source] })).rejects.toMatchObject({ code: 'INVALID_OPTION', source: 'shared' });
    await expect(first.load(source)).rejects.toMatchObject({ code: 'INVALID_OPTION', source: 'shared' });
    const twice = memorySource({}, { name: 'twice' });
    await expect(createConfig({ sources: [twice, twice] })).rejects.toMatchObject({ code: 'INVALID_OPTION', source: 'twice' });
    // The first config is untouched by the refusals.
    source.set('a', 2);
    await vi.waitFor(() => expect(first.get('a').int()).toBe(2));
  });
});
