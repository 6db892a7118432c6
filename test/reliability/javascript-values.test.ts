// Values handed over from JavaScript (defaults, a memory source, config.set) built to exhaust the process: an array
// whose length is not what it holds. A hole costs its holder nothing and became a null when copied, so an empty
// array of 2 ** 32 - 1 items ended the process (out of memory) from any of the four ways in.
import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig, memorySource } from '../../src/index.ts';
import { measure, report } from './measure.ts';

/** An array holding nothing, of `length` items. */
function holes(length: number): unknown[] {
  const array: unknown[] = [];
  array.length = length;
  return array;
}

const thrown = async (work: () => unknown): Promise<ConfigError> => {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('accepted');
};

describe('values from JavaScript', () => {
  it('refuses an array of 2 ** 32 - 1 holes from defaults, a memory source, its set() and config.set(), at once', async () => {
    const huge = holes(2 ** 32 - 1);
    const ways: [string, () => Promise<ConfigError>][] = [
      ['defaults', () => thrown(() => createConfig({ defaults: { list: huge } }))],
      ['memorySource()', () => thrown(() => memorySource({ list: huge }))],
      [
        'memorySource().set()',
        async () => {
          const source = memorySource({});
          const config = await createConfig({ sources: [source] });
          try {
            return await thrown(() => source.set('list', huge));
          } finally {
            await config.close();
          }
        },
      ],
      [
        'config.set()',
        async () => {
          const config = await createConfig();
          try {
            return await thrown(() => config.set('list', huge));
          } finally {
            await config.close();
          }
        },
      ],
    ];
    for (const [way, attack] of ways) {
      const cost = await measure(attack);
      report(`an array of 2 ** 32 - 1 holes from ${way}`, cost, `refused: ${cost.value?.code}`);
      expect(cost.value?.code, way).toBe('LIMIT');
      expect(cost.cpuMs, way).toBeLessThan(1000);
    }
  });

  it('counts defaults and config.set() against maxValues and maxBytes, as every layer', async () => {
    // A million holes: held as a million nulls before.
    const defaults = await thrown(() => createConfig({ defaults: { list: holes(1_000_000) } }));
    expect(defaults).toMatchObject({ code: 'LIMIT', source: 'defaults' });
    expect(defaults.message).toContain('maxValues');
    const large = await thrown(() => createConfig({ defaults: { blob: new Uint8Array(2 * 1024 * 1024) }, maxBytes: 1024 * 1024 }));
    expect(large).toMatchObject({ code: 'LIMIT', source: 'defaults' });
    expect(large.message).toContain('maxBytes');
    const config = await createConfig({ maxValues: 1000 });
    try {
      const set = await thrown(() => config.set('list', Array.from({ length: 2000 }, (_, i) => i)));
      expect(set).toMatchObject({ code: 'LIMIT', source: 'set' });
      await config.set('list', [1, 2, 3]);
      expect(config.get('list').raw()).toEqual([1, 2, 3]);
    } finally {
      await config.close();
    }
    // Within the limits, as before.
    const within = await createConfig({ defaults: { list: holes(3) } });
    expect(within.get('list').raw()).toEqual([null, null, null]);
    await within.close();
  });

  it('reads, watches and writes a path given as an array of 2 ** 32 - 1 holes in time in proportion to what it holds', async () => {
    const source = memorySource({ a: { b: 1 } });
    const config = await createConfig({ sources: [source] });
    try {
      const path = holes(2 ** 32 - 1) as string[];
      const ways: [string, () => unknown][] = [
        ['get()', () => expect(config.get(path).exists()).toBe(false)],
        ['value.get()', () => expect(config.get('a').get(path).exists()).toBe(false)],
        ['explain()', () => expect(config.explain(path).value).toBeUndefined()],
        ['watch()', () => expect(() => config.watch(path)).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }))],
        ['config.set()', () => expect(config.set(path, 1)).rejects.toMatchObject({ code: 'INVALID_PATH' })],
        ['config.delete()', () => expect(config.delete(path)).rejects.toMatchObject({ code: 'INVALID_PATH' })],
        ['memorySource().set()', () => expect(() => source.set(path, 1)).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }))],
      ];
      for (const [way, attack] of ways) {
        const cost = await measure(attack);
        report(`a path of 2 ** 32 - 1 holes to ${way}`, cost);
        expect(cost.error, way).toBeUndefined();
        // Before: get() 104 s of CPU, watch() 88 s and then a RangeError.
        expect(cost.cpuMs, way).toBeLessThan(2000);
      }
      expect(config.get('a.b').int()).toBe(1);
    } finally {
      await config.close();
    }
  });

  it('takes secretbox keys from an array without spreading it: 2 ** 32 - 1 holes, a string', async () => {
    const { secretbox } = await import('../../src/secrets/index.ts');
    const cost = await measure(() => thrown(() => secretbox({ keys: holes(2 ** 32 - 1) as never })));
    report('secretbox keys: an array of 2 ** 32 - 1 holes', cost, `refused: ${cost.value?.code}`);
    // Before: the process ended, out of memory.
    expect(cost.value).toMatchObject({ code: 'INVALID_OPTION', message: 'secretbox key 1 must be 32 bytes, or their base64 (44 characters)' });
    expect(cost.cpuMs).toBeLessThan(1000);
    // Before: one key a character ('secretbox key 1 must be 32 bytes').
    expect(await thrown(() => secretbox({ keys: 'A'.repeat(43) + '=' as never }))).toMatchObject({ code: 'INVALID_OPTION', message: 'the secretbox keys must be an array of keys' });
  });

  it('refuses data whose reading throws (a getter, a Proxy trap) from a memory source and its set() as INVALID_OPTION naming it', async () => {
    const getter = { get password(): string {
      throw new Error('no password yet');
    } };
    const trap = new Proxy({}, { ownKeys: () => { throw new TypeError('trap'); } });
    const duplicates = new Proxy({}, { ownKeys: () => ['a', 'a'] });
    // A revoked Proxy throws on every question, even whether it is an array (asked before the copy began).
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(await thrown(() => createConfig({ defaults: revoked.proxy }))).toMatchObject({ code: 'INVALID_OPTION', source: 'defaults' });
    for (const data of [getter, trap, duplicates, revoked.proxy]) {
      // Before: the getter's Error, or the engine's TypeError, thrown as it was.
      expect(await thrown(() => memorySource({ db: data }))).toMatchObject({ code: 'INVALID_OPTION', source: 'memory' });
      const source = memorySource({}, { name: 'computed' });
      expect(await thrown(() => source.set('db', data))).toMatchObject({ code: 'INVALID_OPTION', source: 'computed' });
      expect(await thrown(() => source.replace({ db: data }))).toMatchObject({ code: 'INVALID_OPTION', source: 'computed' });
    }
  });

  it('reads a path whose segments cannot be read as naming nothing, and refuses to write or watch one', async () => {
    const config = await createConfig({ defaults: { a: { b: 1 }, 'Symbol(s)': 2, '[object Object]': 3 } });
    try {
      const trap = new Proxy(['a'], { get: (target, key) => (key === 'length' ? assertNever() : Reflect.get(target, key)) });
      const text = { toString: () => assertNever() };
      // A revoked Proxy throws even when asked whether it is an array (before: a TypeError from get()).
      const revoked = Proxy.revocable(['a'], {});
      revoked.revoke();
      const paths: unknown[] = [trap, [text], ['a', text], [Symbol('s')], [{}], revoked.proxy, ['a', revoked.proxy]];
      for (const path of paths) {
        // Before: the trap's and toString's errors thrown by get(), which never throws; a symbol or an object read,
        // and written, under its text.
        const read = config.get(path as never);
        expect(read.exists()).toBe(false);
        expect(config.get('a').get(path as never).exists()).toBe(false);
        expect(config.explain(path as never).source).toBeUndefined();
        // Such a path is not `__proto__`, the key a read of it is steered to: an error or explanation naming that
        // key sent an operator looking for a key no one wrote.
        expect(config.explain(path as never).path).toBe('(a path that could not be read)');
        for (const value of [read, config.get('a').get(path as never), read.get('b')]) {
          const missing = await thrown(() => value.required());
          expect(missing).toMatchObject({ code: 'MISSING', path: undefined });
          expect(missing.message).toBe('a value is required, at a path that could not be read');
        }
        for (const write of [() => config.set(path as never, 1), () => config.delete(path as never), () => config.watch(path as never)]) {
          expect(await thrown(write)).toMatchObject({ code: 'INVALID_PATH' });
        }
        expect(await thrown(() => memorySource({}).set(path as never, 1))).toMatchObject({ code: 'INVALID_PATH' });
      }
      expect(config.get(['a', 'b']).int()).toBe(1);
      expect(config.get(['Symbol(s)']).int()).toBe(2);
    } finally {
      await config.close();
    }
  });
});

function assertNever(): never {
  throw new Error('read');
}
