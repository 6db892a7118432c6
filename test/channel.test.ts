import { describe, expect, it } from 'vitest';
import { createChannel } from '../src/channel.ts';

describe('channel', () => {
  it('keeps a value not yet read when a failure follows it, and reads both in the order they came', async () => {
    const channel = createChannel<number>();
    const reader = channel.subscribe();
    channel.push(2);
    channel.fail(new Error('lost'));
    expect(await reader.next()).toEqual({ done: false, value: 2 });
    await expect(reader.next()).rejects.toThrow('lost');
  });

  it('reads a failure, then the value pushed after it', async () => {
    const channel = createChannel<number>();
    const reader = channel.subscribe();
    channel.fail(new Error('lost'));
    channel.push(3);
    await expect(reader.next()).rejects.toThrow('lost');
    expect(await reader.next()).toEqual({ done: false, value: 3 });
  });

  it('keeps only the latest unread value and the latest unread failure', async () => {
    const channel = createChannel<number>();
    const reader = channel.subscribe();
    channel.push(1);
    channel.fail(new Error('first'));
    channel.push(2);
    channel.fail(new Error('second'));
    expect(await reader.next()).toEqual({ done: false, value: 2 });
    await expect(reader.next()).rejects.toThrow('second');
    channel.push(4);
    expect(await reader.next()).toEqual({ done: false, value: 4 });
  });

  it('drops what is pushed while no iterator is open, unless asked to retain it for the next one', async () => {
    const plain = createChannel<number>();
    const retaining = createChannel<number>({ retain: true });
    for (const channel of [plain, retaining]) {
      channel.fail(new Error('early'));
      channel.push(1);
    }
    const late = plain.subscribe();
    plain.push(2);
    expect(await late.next()).toEqual({ done: false, value: 2 });
    const kept = retaining.subscribe();
    await expect(kept.next()).rejects.toThrow('early');
    expect(await kept.next()).toEqual({ done: false, value: 1 });
    // Handed over once: a second iterator does not read it again.
    retaining.push(5);
    const other = retaining.subscribe();
    retaining.push(6);
    expect(await kept.next()).toEqual({ done: false, value: 6 });
    expect(await other.next()).toEqual({ done: false, value: 6 });
  });

  it('ends iterators on end(), on return() and on an aborted signal, dropping what they had not read', async () => {
    const channel = createChannel<number>({ retain: true });
    const abort = new AbortController();
    const [a, b, c] = [channel.subscribe(), channel.subscribe(abort.signal), channel.subscribe()];
    channel.push(1);
    await c.return!();
    abort.abort();
    expect(await b.next()).toEqual({ done: true, value: undefined });
    expect(await c.next()).toEqual({ done: true, value: undefined });
    const waiting = a.next();
    expect(await waiting).toEqual({ done: false, value: 1 });
    const pending = a.next();
    channel.end();
    expect(await pending).toEqual({ done: true, value: undefined });
    channel.push(2);
    expect(await channel.subscribe().next()).toEqual({ done: true, value: undefined });
  });
});
