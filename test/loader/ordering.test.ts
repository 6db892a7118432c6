// The order of a source's change sets: a newer one is never overwritten by an older one that finishes later, and
// a change made before the config listens is not lost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConfig, memorySource, type ChangeSet, type Config } from '../../src/index.ts';
import { openYamlGate } from '../helpers/encoder-gate.ts';
import { eventually, settle } from '../helpers/events.ts';
import { deferred, readsAsked, scriptedSource } from '../helpers/sources.ts';

// The YAML encoder loads when first asked for: the gate holds that load, so a YAML change set is still decoding
// while a later one arrives.
vi.mock('../../src/encoders/index.ts', async (original) => (await import('../helpers/encoder-gate.ts')).gatedEncoders(original));

const open: Config[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((config) => config.close()));
});

async function scriptedConfig(first: Record<string, unknown>) {
  const source = scriptedSource();
  const creating = createConfig({ sources: [source] });
  await readsAsked(source, 1);
  source.reads[0]!.answer(first);
  const config = await creating;
  open.push(config);
  return { source, config };
}

describe('change set order', () => {
  it('never lets a read that started before a watched change overwrite it when the read finishes later', async () => {
    const { source, config } = await scriptedConfig({ n: 1 });
    const syncing = config.sync();
    await readsAsked(source, 2);
    source.push({ n: 3 });
    await eventually(() => expect(config.get('n').int()).toBe(3));
    source.reads[1]!.answer({ n: 2 });
    await syncing;
    await settle();
    expect(config.get('n').int()).toBe(3);
  });

  it('never lets an older change set still decoding win over a newer one equal to the current layer', async () => {
    const { source, config } = await scriptedConfig({ registry: 'etcd' });
    const versions: number[] = [];
    config.on('change', (event) => versions.push(event.version));
    // A → B → A: B (YAML) is still decoding when A comes back.
    const syncing = config.sync();
    await readsAsked(source, 2);
    source.reads[1]!.answer('registry: consul\n', 'yaml');
    await settle();
    source.push({ registry: 'etcd' });
    await settle();
    openYamlGate();
    await syncing;
    await settle();
    expect(config.get('registry').string()).toBe('etcd');
    expect(versions).toEqual([]);
  });

  it('applies a change made while the config reads the source for the first time', async () => {
    const source = memorySource({ a: 1 });
    const creating = createConfig({ sources: [source] });
    source.set('a', 3);
    const config = await creating;
    open.push(config);
    await eventually(() => expect(config.get('a').int()).toBe(3));
  });

  it('applies a change made right after load()', async () => {
    const config = await createConfig({});
    open.push(config);
    const source = memorySource({ a: 1 });
    await config.load(source);
    source.replace({ a: 2 });
    await eventually(() => expect(config.get('a').int()).toBe(2));
  });
});

describe('a watch that keeps failing', () => {
  it('never holds back the change that follows its failures', async () => {
    const { source, config } = await scriptedConfig({ n: 1 });
    const errors: string[] = [];
    config.on('error', (error) => errors.push(error.message));
    // Only timers are faked: a backoff then waits until the test moves the clock, which it never does here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    for (let failure = 1; failure <= 6; failure++) {
      source.fail(new Error(`down ${failure}`));
      await until(() => errors.length === failure);
    }
    source.push({ n: 2 });
    await until(() => config.get('n').int() === 2);
  });

  it('is asked again no sooner than its backoff when it fails at once, every time', async () => {
    let asked = 0;
    const spinning = {
      name: 'spinning',
      read: async () => ({ data: {}, format: 'object', checksum: '', source: 'spinning', timestamp: 0 }),
      watch: () => {
        const iterator: AsyncIterableIterator<ChangeSet> = {
          [Symbol.asyncIterator]: () => iterator,
          next: () => {
            asked += 1;
            return Promise.reject(new Error('broken'));
          },
        };
        return iterator;
      },
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const config = await createConfig({ sources: [spinning] });
    open.push(config);
    await until(() => asked >= 4);
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    const before = asked;
    expect(before).toBeLessThan(8);
    await vi.advanceTimersByTimeAsync(2000);
    expect(asked).toBeGreaterThan(before);
    expect(asked).toBeLessThan(before + 8);
  });
});

/** Waits, turn by turn of the event loop (never a timer, which a test may have faked), until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  const gaveUp = deferred();
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > 10_000) gaveUp.reject(new Error('condition not met within 10 s'));
    await Promise.race([new Promise((resolve) => setImmediate(resolve)), gaveUp.promise]);
  }
}
