// What the loader publishes stays true to its sources when calls overlap: a refused sync() undoes nothing a
// source published meanwhile, concurrent load() calls stack in call order, and a listener that rejects is reported.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConfig, memorySource, type Config, type ConfigError } from '../../src/index.ts';
import { eventually, settle } from '../helpers/events.ts';
import { readsAsked, scriptedSource } from '../helpers/sources.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

describe('overlapping calls', () => {
  it('a sync() refused by the schema leaves what another source published during it', async () => {
    const memory = memorySource({ a: 1 }, { name: 'memory' });
    const scripted = scriptedSource('scripted');
    const schema = z.object({ a: z.number(), port: z.number() });
    const creating = createConfig({ schema, sources: [memory, scripted] });
    await readsAsked(scripted, 1);
    scripted.reads[0]!.answer({ port: 1 });
    const config = await creating;
    open.push(config);

    const syncing = config.sync();
    await readsAsked(scripted, 2);
    memory.set('a', 2);
    await eventually(() => expect(config.get('a').int()).toBe(2));
    scripted.reads[1]!.answer({ port: 'not a number' });
    await expect(syncing).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(config.get('a').int()).toBe(2);
    // The next publication starts from what each source really holds.
    scripted.push({ port: 2 });
    await eventually(() => expect(config.scan()).toEqual({ a: 2, port: 2 }));
  });

  it('concurrent load() calls stack in the order they were called, whichever read finishes first', async () => {
    const config = await createConfig({});
    open.push(config);
    const [first, second] = [scriptedSource('first'), scriptedSource('second')];
    const loadingFirst = config.load(first);
    const loadingSecond = config.load(second);
    await readsAsked(second, 1);
    second.reads[0]!.answer({ k: 'second' });
    await loadingSecond;
    expect(config.get('k').string()).toBe('second');
    first.reads[0]!.answer({ k: 'first', only: 'first' });
    await loadingFirst;
    expect(config.snapshot().sources.map((source) => source.name)).toEqual(['defaults', 'first', 'second']);
    expect(config.get('k').string()).toBe('second');
    expect(config.get('only').string()).toBe('first');
  });

  it('an async listener that rejects, of the config or of a watcher, is reported as a LISTENER error', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const source = memorySource({ a: 1 });
      const config = await createConfig({ sources: [source] });
      open.push(config);
      const errors: ConfigError[] = [];
      config.on('error', (error) => errors.push(error));
      /* eslint-disable @typescript-eslint/no-misused-promises -- async listeners are what this test is about */
      config.on('error', async () => {
        throw new Error('an error listener that rejects goes unheard, harmlessly');
      });
      config.on('change', async () => {
        throw new Error('change listener failed');
      });
      config.watch('a').on('change', async () => {
        throw new Error('watcher listener failed');
      });
      /* eslint-enable @typescript-eslint/no-misused-promises */
      source.set('a', 2);
      await eventually(() => expect(errors).toHaveLength(2));
      await settle(50);
      expect(errors.map((error) => error.code)).toEqual(['LISTENER', 'LISTENER']);
      expect(errors.map((error) => (error.cause as Error).message).sort()).toEqual(['change listener failed', 'watcher listener failed']);
      expect(config.get('a').int()).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
