import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { kvTree, normalizePrefix, relativeKey, samePairs, type KvPair } from '../../src/sources/kv.ts';

describe('KV key mapping', () => {
  it.each([
    ['/micro/config/', 'micro/config'],
    ['micro/config', 'micro/config'],
    ['/', ''],
    ['', ''],
  ])('prefix %j → %j', (prefix, expected) => {
    expect(normalizePrefix(prefix)).toBe(expected);
  });

  it.each([
    ['/config/app/db', 'config/app', 'db'],
    ['config/app/db/host', 'config/app', 'db/host'],
    ['config/app', 'config/app', ''],
    ['config/application/x', 'config/app', undefined],
    ['other/x', 'config/app', undefined],
    ['/a/b', '', 'a/b'],
  ])('key %j under %j → %j', (key, prefix, expected) => {
    expect(relativeKey(key, prefix)).toBe(expected);
  });

  it('keeps a value with a number beyond a double as text, and refuses one in a document named by its extension', async () => {
    expect(
      await kvTree(
        [
          { key: 'app/huge', value: '1e999' },
          { key: 'app/list', value: '[1, 2e400]' },
          { key: 'app/map', value: '{"a": -1e999}' },
          { key: 'app/fine', value: '{"a": 1e300}' },
        ],
        'app',
      ),
    ).toEqual({ huge: '1e999', list: '[1, 2e400]', map: '{"a": -1e999}', fine: { a: 1e300 } });
    const error = (await kvTree([{ key: 'app/doc.json', value: '{\n"a": 1e999}' }], 'app').catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/key "app\/doc.json": .*number out of range/);
    expect([error.line, error.column]).toEqual([2, 6]);
  });

  it('strips the prefix, nests on /, and decodes values', async () => {
    expect(
      await kvTree(
        [
          { key: 'config/app/registry', value: 'consul' },
          { key: 'config/app/port', value: '8080' },
          { key: 'config/app/debug', value: 'true' },
          { key: 'config/app/hosts/db', value: '{"host":"db","port":5432}' },
          { key: 'config/app/hosts/cache.yaml', value: 'host: cache\nport: 6379\n' },
          { key: 'config/app/limits.toml', value: 'rps = 10\n' },
          { key: 'config/app/tags', value: '["a","b"]' },
          { key: 'config/app/address', value: '127.0.0.1:8500' },
          { key: 'config/app/greeting', value: 'Hello, world' },
          { key: 'config/app/empty/', value: '' },
          { key: 'config/app/db.url', value: 'postgres://x' },
          { key: 'config/application/ignored', value: 'x' },
        ],
        '/config/app/',
      ),
    ).toEqual({
      registry: 'consul',
      port: 8080,
      debug: true,
      hosts: { db: { host: 'db', port: 5432 }, cache: { host: 'cache', port: 6379 } },
      limits: { rps: 10 },
      tags: ['a', 'b'],
      address: '127.0.0.1:8500',
      greeting: 'Hello, world',
      'db.url': 'postgres://x',
    });
  });

  it('merges a whole document held by the prefix key at the root, under the other keys', async () => {
    expect(
      await kvTree(
        [
          { key: 'config/app/db/port', value: '6543' },
          { key: 'config/app', value: '{"db":{"host":"h","port":1},"registry":"mdns"}' },
        ],
        'config/app',
      ),
    ).toEqual({ db: { host: 'h', port: 6543 }, registry: 'mdns' });
  });

  it('accepts YAML for the whole document and for folders', async () => {
    expect(await kvTree([{ key: 'app', value: 'registry: etcd\nhosts:\n  - a\n' }], 'app')).toEqual({ registry: 'etcd', hosts: ['a'] });
  });

  it('is an error, never a crash, for a key below a value, a malformed typed value, or a non-object root document', async () => {
    await expect(kvTree([{ key: 'p/a', value: '"x"' }, { key: 'p/a/b', value: '1' }], 'p')).rejects.toThrow(/lies below a key that holds a value/);
    const error = (await kvTree([{ key: 'p/bad.json', value: '{"a":' }], 'p').catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('key "p/bad.json"');
    expect(error.line).toBe(1);
    await expect(kvTree([{ key: 'p', value: '[1,2]' }], 'p')).rejects.toMatchObject({ code: 'NOT_OBJECT' });
  });

  it('keeps hostile and odd keys harmless', async () => {
    const tree = await kvTree(
      [
        { key: 'p/__proto__/polluted', value: 'yes' },
        { key: 'p/constructor/prototype/polluted', value: 'yes' },
        { key: 'p/a//b', value: '1' },
        { key: 'p/../x', value: '2' },
        { key: 'p/x'.padEnd(5000, 'y'), value: '3' },
        { key: 'p/bytes', value: new Uint8Array([0xc3, 0xa4, 0x41]) },
        { key: 'p/doc', value: '{"__proto__":{"polluted":"yes"},"ok":1}' },
      ],
      'p',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(tree.a).toEqual({ b: 1 });
    expect(tree['..']).toEqual({ x: 2 });
    expect(tree.bytes).toBe('\u00e4A');
    expect(tree.doc).toEqual({ ok: 1 });
    expect(Object.keys(tree)).not.toContain('__proto__');
    expect(Object.keys(tree)).not.toContain('constructor');
  });
});

describe('samePairs', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const a: KvPair[] = [
    { key: 'p/a', value: bytes('1') },
    { key: 'p/b', value: bytes('2') },
  ];
  it.each<[string, KvPair[] | undefined, boolean]>([
    ['the same keys and bytes, in other arrays', [{ key: 'p/a', value: bytes('1') }, { key: 'p/b', value: bytes('2') }], true],
    ['nothing read before', undefined, false],
    ['a key fewer', [{ key: 'p/a', value: bytes('1') }], false],
    ['another value of the same length', [{ key: 'p/a', value: bytes('1') }, { key: 'p/b', value: bytes('3') }], false],
    ['another key', [{ key: 'p/a', value: bytes('1') }, { key: 'p/c', value: bytes('2') }], false],
    ['the same bytes as text', [{ key: 'p/a', value: '1' }, { key: 'p/b', value: '2' }], false],
    ['a value marked unreadable', [{ key: 'p/a', value: bytes('1') }, { key: 'p/b', value: bytes('2'), unreadable: { reason: 'not base64', keyCut: false } }], false],
  ])('%s: %j', (_, b, expected) => {
    expect(samePairs(a, b)).toBe(expected);
  });

  it('compares bytes that are views into a larger buffer by their own bytes', () => {
    const whole = bytes('xx12yy');
    expect(samePairs([{ key: 'k', value: whole.subarray(2, 4) }], [{ key: 'k', value: bytes('12') }])).toBe(true);
    expect(samePairs([{ key: 'k', value: whole.subarray(1, 3) }], [{ key: 'k', value: bytes('12') }])).toBe(false);
  });
});
