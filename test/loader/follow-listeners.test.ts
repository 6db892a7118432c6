// The loader follows a source's watch with one listener on its stop signal for the whole watch, not one added and
// removed for each change: a watch that changes thousands of times paid for it on every change.
import { describe, expect, it } from 'vitest';
import { createConfig, memorySource, type Source } from '../../src/index.ts';
import { eventually } from '../helpers/events.ts';

describe('a watch followed through many changes', () => {
  it('has no abort listener added for each change, and still ends at the close', async () => {
    const memory = memorySource({ n: 0 }, { name: 'counted' });
    const added = { count: 0 };
    const source: Source = {
      ...memory,
      watch(signal) {
        const add = signal!.addEventListener.bind(signal);
        (signal as AbortSignal).addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
          if (args[0] === 'abort') added.count++;
          add(...args);
        }) as AbortSignal['addEventListener'];
        return memory.watch!(signal);
      },
    };
    const config = await createConfig({ sources: [source] });
    memory.replace({ n: 1 });
    await eventually(() => expect(config.get('n').int()).toBe(1));
    const settled = added.count;
    for (let n = 2; n <= 50; n++) {
      memory.replace({ n });
      await eventually(() => expect(config.get('n').int()).toBe(n));
    }
    // 49 changes, no listener more (one each before).
    expect(added.count - settled).toBe(0);
    await config.close();
    memory.replace({ n: 51 });
    expect(config.get('n').int()).toBe(50);
  });
});
