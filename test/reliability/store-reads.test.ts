// A store source is read at every sync() and after every outage, for as long as the service runs: its reads leave
// nothing behind on the source's long-lived signal (Node 20's AbortSignal.any kept each signal it made from it).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { storeSource, type StoreClient } from '../../src/sources/remote.ts';
import { linkSignals } from '../../src/linked-signal.ts';
import { heapUsed } from './measure.ts';

/** A client that answers every read at once with one key, and records the signal each read was given. */
function answeringClient(signals: AbortSignal[]): StoreClient {
  return {
    store: 'test store',
    where: 'memory',
    fetch: async (signal) => {
      signals.push(signal);
      return [{ key: 'app/port', value: '8080' }];
    },
    follow: async () => {},
    release: async () => {},
  };
}

describe('a store source read many times', () => {
  it('holds nothing once read (50,000 reads, each with its own signal)', async () => {
    const signals: AbortSignal[] = [];
    const source = storeSource({ name: 'test', prefix: 'app', optional: false, cache: undefined }, answeringClient(signals));
    const read = async (count: number) => {
      for (let i = 0; i < count; i++) await source.read(new AbortController().signal);
      signals.length = 0;
    };
    await read(1000);
    const before = heapUsed();
    await read(50_000);
    const held = heapUsed() - before;
    console.log(`50,000 store reads: ${(held / 1e6).toFixed(2)} MB held`);
    expect(held).toBeLessThan(1e6);
    await source.close?.();
  });

  it("ends a read under way when the caller aborts, and lets go of the caller's signal once a read is over", async () => {
    const signals: AbortSignal[] = [];
    const source = storeSource({ name: 'test', prefix: 'app', optional: false, cache: undefined }, answeringClient(signals));
    const caller = new AbortController();
    await source.read(caller.signal);
    caller.abort();
    expect(signals[0]!.aborted).toBe(false);
    const hanging: StoreClient = {
      ...answeringClient(signals),
      fetch: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
    };
    const slow = storeSource({ name: 'slow', prefix: 'app', optional: false, cache: undefined }, hanging);
    const stopping = new AbortController();
    const reading = slow.read(stopping.signal);
    stopping.abort();
    await expect(reading).rejects.toMatchObject({ code: 'READ', source: 'slow' });
  });
});

describe('linkSignals', () => {
  it('aborts with the first reason, and lets go of every signal when one aborts or it is unlinked', () => {
    const long = new AbortController();
    const short = new AbortController();
    const linked = linkSignals([long.signal, undefined, short.signal]);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(1);
    short.abort('done');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('done');
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
    const other = linkSignals([long.signal]);
    other.unlink();
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
    long.abort('closed');
    expect(other.signal.aborted).toBe(false);
    expect(linkSignals([long.signal]).signal.reason).toBe('closed');
  });
});
