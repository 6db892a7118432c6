import { describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channel.ts';
import { failuresThrown, failuresYielded } from '../../src/sources/watch-failures.ts';

describe('a watch written as a generator', () => {
  it('rejects one read for each failure, and goes on', async () => {
    const channel = createChannel<number>();
    const watch = failuresThrown(failuresYielded(channel.subscribe()));
    const first = watch.next();
    channel.push(1);
    expect(await first).toEqual({ done: false, value: 1 });
    const second = watch.next();
    channel.fail(new Error('bad write'));
    await expect(second).rejects.toThrow('bad write');
    const third = watch.next();
    channel.push(2);
    expect(await third).toEqual({ done: false, value: 2 });
    channel.end();
    expect(await watch.next()).toEqual({ done: true, value: undefined });
  });

  it('ends after a failure that ends it, once that failure is read', async () => {
    const channel = createChannel<number>();
    const watch = failuresThrown(failuresYielded(channel.subscribe(), (error) => (error as Error).message === 'watcher failed'));
    const first = watch.next();
    channel.fail(new Error('bad write'));
    await expect(first).rejects.toThrow('bad write');
    const second = watch.next();
    channel.fail(new Error('watcher failed'));
    await expect(second).rejects.toThrow('watcher failed');
    expect(await watch.next()).toEqual({ done: true, value: undefined });
  });

  it('returns what it reads when it is returned', async () => {
    let returned = 0;
    const inner: AsyncIterator<number> = {
      next: () => Promise.resolve({ done: false, value: 1 }),
      return: () => {
        returned += 1;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    const watch = failuresThrown(failuresYielded(inner));
    expect(await watch.next()).toEqual({ done: false, value: 1 });
    expect(await watch.return!()).toEqual({ done: true, value: undefined });
    expect(returned).toBe(1);
    expect(await watch.next()).toEqual({ done: true, value: undefined });
  });
});
