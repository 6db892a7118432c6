import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, createChangeSet, memorySource, type Config, type Source, type Value } from '../src/index.ts';
import type { Tree } from '../src/reader/tree.ts';
import { eventually, nextChange, nextError, settle } from './helpers/events.ts';

const open: Config[] = [];
async function make(...args: Parameters<typeof createConfig>): Promise<Config> {
  const config = await createConfig(...args);
  open.push(config);
  return config;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** A source whose reads fail on demand and whose text is set by hand. */
function textSource(name: string, format: string, initial: string) {
  let text = initial;
  let fail: Error | undefined;
  const source: Source & { setText(next: string): void; failWith(error: Error | undefined): void } = {
    name,
    read: async () => {
      if (fail) throw fail;
      return createChangeSet(name, format, text);
    },
    setText(next: string) {
      text = next;
    },
    failWith(error) {
      fail = error;
    },
  };
  return source;
}

describe('createConfig', () => {
  it('merges defaults < sources in order, later winning', async () => {
    const config = await make({
      defaults: { registry: 'mdns', hosts: { db: { host: 'localhost', port: 3306 } }, list: [1, 2, 3] },
      sources: [
        memorySource({ hosts: { db: { port: 5432 } }, list: [9] }, { name: 'one' }),
        memorySource('{"hosts":{"db":{"host":"db.internal"}}}', { name: 'two', format: 'json' }),
        memorySource('registry: consul\n', { name: 'three', format: 'yaml' }),
      ],
    });
    expect(config.get('registry').string('mdns')).toBe('consul');
    expect(config.get('hosts.database.port').int(3306)).toBe(3306);
    expect(config.get('hosts', 'db').scan()).toEqual({ host: 'db.internal', port: 5432 });
    expect(config.get(['hosts', 'db', 'port']).int(0)).toBe(5432);
    expect(config.get('list').raw()).toEqual([9]);
    expect(config.get('missing').exists()).toBe(false);
    expect(config.get().get('registry').string()).toBe('consul');
    expect(config.snapshot().version).toBe(1);
    expect(config.snapshot().sources.map((s) => s.name)).toEqual(['defaults', 'one', 'two', 'three']);
  });

  it('rejects with a ConfigError naming a failing source, unless it is optional', async () => {
    const bad = textSource('file:broken.json', 'json', '{"a":');
    const error = await createConfig({ sources: [memorySource({ a: 1 }), bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('file:broken.json');
    expect((error as ConfigError).message).toMatch(/^file:broken\.json: invalid json/);

    const down = textSource('remote', 'json', '{}');
    down.failWith(new Error('connection refused'));
    const errors: ConfigError[] = [];
    const optional = { ...down, optional: true, name: 'remote' };
    const config = await make({ defaults: { a: 1 }, sources: [optional] });
    config.on('error', (e) => errors.push(e));
    expect(config.get('a').int(0)).toBe(1);
  });

  it('forgives an optional source that is not there, never one that is there and wrong', async () => {
    // A missing file, a store down, a client not installed: the source takes its place as an empty layer.
    for (const code of ['READ', 'WATCH', 'MISSING_PACKAGE'] as const) {
      const absent: Source = { name: 'absent', optional: true, read: async () => Promise.reject(new ConfigError('not there', { code })) };
      const config = await make({ defaults: { a: 1 }, sources: [absent] });
      expect(config.get('a').int(0)).toBe(1);
    }
    // A document that does not decode, a value over a limit, one that does not decrypt: the service would start on
    // the layers below it, without a word but an event.
    const broken = { ...textSource('file:local.yaml', 'yaml', 'name: [x'), optional: true };
    await expect(createConfig({ defaults: { name: 'default' }, sources: [broken] })).rejects.toMatchObject({ code: 'DECODE', source: 'file:local.yaml' });
    for (const code of ['LIMIT', 'DECRYPT', 'NOT_OBJECT', 'FORMAT'] as const) {
      const wrong: Source = { name: 'wrong', optional: true, read: async () => Promise.reject(new ConfigError('wrong', { code })) };
      await expect(createConfig({ sources: [wrong] })).rejects.toMatchObject({ code, source: 'wrong' });
    }
  });

  it('rejects a top-level document that is not an object', async () => {
    const error = await createConfig({ sources: [memorySource('[1,2]', { name: 'arr', format: 'json' })] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_OBJECT', source: 'arr' });
  });

  it('closes the sources it read when it rejects', async () => {
    let closed = 0;
    const good: Source = { name: 'good', read: async () => createChangeSet('good', 'object', {}), close: async () => void closed++ };
    await expect(createConfig({ sources: [good, textSource('bad', 'json', '{')] })).rejects.toThrow(ConfigError);
    expect(closed).toBe(1);
  });

  it('expands ${VAR} in decoded strings only, and can be turned off', async () => {
    const env = { HOST: 'db.local', QUOTE: '"}' };
    const source = memorySource('{"url":"postgres://${HOST}:${PORT:-5432}","q":"${QUOTE}","lit":"$${HOST}"}', { format: 'json' });
    const config = await make({ sources: [source], env });
    expect(config.get('url').string()).toBe('postgres://db.local:5432');
    expect(config.get('q').string()).toBe('"}');
    expect(config.get('lit').string()).toBe('${HOST}');
    const raw = await make({ sources: [memorySource({ url: '${HOST}' })], env, expandEnv: false });
    expect(raw.get('url').string()).toBe('${HOST}');
  });

  it('expands ${VAR} once in what a YAML alias or merge key shares between paths (a value is never expanded again)', async () => {
    const text = 'base: &base\n  db: {url: "${URL}", lit: "$${HOST}"}\nsvc:\n  <<: *base\nother: *base\n';
    const config = await make({ sources: [memorySource(text, { format: 'yaml' })], env: { URL: 'pg://$${HOST}', HOST: 'db.local' } });
    for (const at of ['base', 'svc', 'other']) {
      expect(config.get(`${at}.db.url`).string()).toBe('pg://$${HOST}');
      expect(config.get(`${at}.db.lit`).string()).toBe('${HOST}');
    }
  });

  it('refuses documents over the size limit and nesting over the depth limit', async () => {
    const big = memorySource(`{"a":"${'x'.repeat(2000)}"}`, { name: 'big', format: 'json' });
    await expect(createConfig({ sources: [big], maxBytes: 1000 })).rejects.toMatchObject({ code: 'LIMIT', source: 'big' });
    const deep = memorySource(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`, { name: 'deep', format: 'json' });
    await expect(createConfig({ sources: [deep] })).rejects.toMatchObject({ code: 'LIMIT', source: 'deep' });
  });
});

describe('changes', () => {
  it('calls a once() listener for one change only, even one that throws, and off() removes it before', async () => {
    const source = memorySource({ a: 1 });
    const config = await make({ sources: [source] });
    const heard: string[] = [];
    config.once('change', () => heard.push('once'));
    config.once('change', () => {
      heard.push('throws');
      throw new Error('listener');
    });
    const removed = () => heard.push('removed');
    config.once('change', removed);
    config.off('change', removed);
    config.once('error', () => heard.push('error once'));
    for (const value of [2, 3]) {
      const event = nextChange(config);
      source.replace({ a: value });
      await event;
    }
    // Before, the config's forwarder called every listener itself and once() listeners heard every change.
    await eventually(() => expect(heard).toContain('error once'));
    expect(heard).toEqual(['once', 'throws', 'error once']);
  });

  it('publishes a new version with previous and current values for each changed path', async () => {
    const source = memorySource({ a: 1, b: { c: 'x' } });
    const config = await make({ sources: [source] });
    const event = nextChange(config);
    source.replace({ a: 2, b: { c: 'x' }, d: true });
    const { version, changes } = await event;
    expect(version).toBe(2);
    expect(changes).toEqual([
      { path: 'a', segments: ['a'], previous: 1, current: 2, version: 2 },
      { path: 'd', segments: ['d'], previous: undefined, current: true, version: 2 },
    ]);
    expect(config.snapshot().version).toBe(2);
  });

  it('removes a key deleted in a later version of a source', async () => {
    const source = memorySource({ a: 1, gone: { x: 1 } });
    const config = await make({ defaults: { keep: 1 }, sources: [source] });
    const event = nextChange(config);
    source.replace({ a: 1 });
    expect((await event).changes).toEqual([{ path: 'gone', segments: ['gone'], previous: { x: 1 }, current: undefined, version: 2 }]);
    expect(config.get('gone').exists()).toBe(false);
    expect(config.map()).toEqual({ a: 1, keep: 1 });
  });

  it('publishes nothing when a source re-sends identical content', async () => {
    const source = memorySource({ a: 1, b: [1, 2] });
    const config = await make({ sources: [source] });
    const events: unknown[] = [];
    config.on('change', (e) => events.push(e));
    const watched: unknown[] = [];
    config.watch('a').on('change', (v) => watched.push(v.raw()));
    source.replace({ b: [1, 2], a: 1 });
    source.set('a', 1);
    await settle();
    expect(events).toEqual([]);
    expect(watched).toEqual([]);
    expect(config.snapshot().version).toBe(1);
  });

  it('publishes changes nobody hears; a change listener hears exactly the changes made while it is on, added, removed or added again', async () => {
    const source = memorySource({ a: 1, b: { c: 1 } });
    const config = await make({ sources: [source] });
    // Nobody listens nor watches: the loader only asks whether anything changed.
    source.set('b.c', 2);
    await eventually(() => expect(config.snapshot().version).toBe(2));
    source.replace({ b: { c: 2 }, a: 1 });
    await settle();
    expect(config.snapshot().version).toBe(2);
    const heard: string[] = [];
    const listener = (event: { version: number; changes: readonly { path: string }[] }) =>
      heard.push(`${event.version}:${event.changes.map((change) => change.path).join(',')}`);
    config.on('change', listener);
    source.set('a', 2);
    await eventually(() => expect(heard).toEqual(['3:a']));
    config.off('change', listener);
    source.set('a', 3);
    await eventually(() => expect(config.snapshot().version).toBe(4));
    const watched: unknown[] = [];
    config.watch('b.c').on('change', (value) => watched.push(value.raw()));
    source.set('b.c', 3);
    await eventually(() => expect(watched).toEqual([3]));
    config.on('change', listener);
    source.replace({ a: 4, b: { c: 3 }, d: 1 });
    await eventually(() => expect(heard).toEqual(['3:a', '6:a,d']));
  });

  // Each way a layer is decoded takes the previous layer's equal nodes: objects, JSON and TOML on the event loop, a
  // YAML alias, a document decoded on its thread (YAML of 256 KiB or more).
  const padding = 'p'.repeat(300 * 1024);
  it.each([
    ['an object', (v: number) => ({ kept: { deep: { x: 1 } }, list: [1, { a: 1 }], v }), undefined],
    ['JSON', (v: number) => JSON.stringify({ kept: { deep: { x: 1 } }, list: [1, { a: 1 }], v }), 'json'],
    ['TOML', (v: number) => `v = ${v}\nlist = [1, { a = 1 }]\n[kept.deep]\nx = 1\n`, 'toml'],
    ['YAML with an alias', (v: number) => `base: &b {deep: {x: 1}}\nkept: *b\nlist: [1, {a: 1}]\nv: ${v}\n`, 'yaml'],
    ['YAML decoded on its thread', (v: number) => `kept: {deep: {x: 1}}\nlist: [1, {a: 1}]\nv: ${v}\npad: ${padding}\n`, 'yaml'],
  ] as const)('reloads %s keeping the nodes it did not change', async (_, text, format) => {
    const source = format === undefined ? memorySource(text(1)) : memorySource(text(1), { format });
    const config = await make({ sources: [source] });
    const before = config.map() as Record<string, Tree>;
    source.replace(text(2));
    await eventually(() => expect(config.get('v').int(0)).toBe(2));
    const after = config.map() as Record<string, Tree>;
    expect(after.kept).toBe(before.kept);
    expect(after.list).toBe(before.list);
    expect(after).not.toBe(before);
  });

  it('publishes a snapshot frozen throughout when a layer decoded on the event loop takes nodes of one decoded on its thread', async () => {
    const large = `kept: {deep: {x: 1}}\nlist: [1, {a: 1}]\nv: 1\npad: ${padding}\n`;
    const source = memorySource(large, { format: 'yaml' });
    const config = await make({ sources: [source], defaults: { kept: { deep: { x: 0 } } } });
    const before = config.map() as Record<string, Tree>;
    source.replace('kept: {deep: {x: 1}}\nlist: [1, {a: 1}]\nv: 2\n');
    await eventually(() => expect(config.get('v').int(0)).toBe(2));
    const after = config.map() as Record<string, Tree>;
    expect(after.list).toBe(before.list);
    const frozenThrough = (node: unknown): boolean =>
      typeof node !== 'object' || node === null || (Object.isFrozen(node) && Object.values(node).every(frozenThrough));
    expect(frozenThrough(after)).toBe(true);
  });

  it('memorySource.set() indexes a list it holds as config.set() does: an item replaced, one appended, one past the end refused', async () => {
    const source = memorySource({ list: ['a'], map: {} });
    const config = await make({ sources: [source] });
    source.set('list.0', 'b');
    source.set('list.1', 'c');
    source.set('map.0', 'key');                      // no list there: a key, as in Go
    await eventually(() => expect(config.map()).toEqual({ list: ['b', 'c'], map: { 0: 'key' } }));
    expect(() => source.set('list.3', 'x')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
    await settle();
    expect(config.get('list').raw()).toEqual(['b', 'c']);
  });

  it('keeps versions strictly increasing and always ends on the last value of a flood', async () => {
    const source = memorySource({ n: 0 });
    const config = await make({ sources: [source] });
    const versions: number[] = [];
    config.on('change', (e) => versions.push(e.version));
    for (let i = 1; i <= 1000; i++) source.set('n', i);
    await settle(50);
    expect(config.get('n').int(-1)).toBe(1000);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
  });

  it('keeps the last good layer when a source sends a bad document, and emits an error naming it', async () => {
    const source = memorySource('{"a": 1}', { name: 'mem:app.json', format: 'json' });
    const config = await make({ defaults: { d: 1 }, sources: [source, memorySource({ other: 1 })] });
    const error = nextError(config);
    source.replace('{"a": 2,');
    const received = await error;
    expect(received).toBeInstanceOf(ConfigError);
    expect(received.source).toBe('mem:app.json');
    expect(received.line).toBe(1);
    expect(config.get('a').int(0)).toBe(1);
    const change = nextChange(config);
    source.replace('{"a": 3}');
    await change;
    expect(config.get('a').int(0)).toBe(3);
    expect(config.get('d').int(0)).toBe(1);
  });

  it('isolates listeners that throw: other listeners, watchers and the loader go on', async () => {
    const source = memorySource({ a: 1 });
    const config = await make({ sources: [source] });
    const errors: ConfigError[] = [];
    const seen: number[] = [];
    config.on('error', (e) => errors.push(e));
    config.on('change', () => {
      throw new Error('bad listener');
    });
    config.watch('a').on('change', () => {
      throw new Error('bad watcher');
    });
    config.watch('a').on('change', (v) => seen.push(v.int(0)));
    source.set('a', 2);
    source.set('a', 3);
    // Errors are reported on a later turn of the event loop than the changes.
    await eventually(() => expect(errors).toHaveLength(4));
    expect(seen).toEqual([2, 3]);
    expect(config.get('a').int(0)).toBe(3);
    expect(errors.map((e) => e.code)).toEqual(['LISTENER', 'LISTENER', 'LISTENER', 'LISTENER']);
  });
});

describe('watchers', () => {
  async function setup() {
    const source = memorySource({ hosts: { db: { port: 1, host: 'a' }, cache: { port: 2 } }, other: 1 });
    const config = await make({ sources: [source] });
    return { source, config };
  }

  function record(config: Config, path?: string | string[]) {
    const seen: { value: unknown; previous: unknown; current: unknown; version: number; path: string }[] = [];
    config.watch(path).on('change', (value, change) =>
      seen.push({ value: value.raw(), previous: change.previous, current: change.current, version: change.version, path: change.path }),
    );
    return seen;
  }

  it('fires a leaf, subtree and root watcher on a change below them, and never a sibling', async () => {
    const { source, config } = await setup();
    const leaf = record(config, 'hosts.db.port');
    const subtree = record(config, 'hosts.db');
    const root = record(config);
    const sibling = record(config, 'hosts.cache');
    const deeperSibling = record(config, 'hosts.db.host');
    source.set('hosts.db.port', 5);
    await settle();
    expect(leaf).toEqual([{ value: 5, previous: 1, current: 5, version: 2, path: 'hosts.db.port' }]);
    expect(subtree).toEqual([{ value: { port: 5, host: 'a' }, previous: { port: 1, host: 'a' }, current: { port: 5, host: 'a' }, version: 2, path: 'hosts.db' }]);
    expect(root).toHaveLength(1);
    expect(root[0]!.path).toBe('');
    expect(sibling).toEqual([]);
    expect(deeperSibling).toEqual([]);
  });

  it('fires watchers below a replaced subtree only when their own value changed', async () => {
    const { source, config } = await setup();
    const port = record(config, 'hosts.db.port');
    const host = record(config, 'hosts.db.host');
    const cache = record(config, 'hosts.cache.port');
    source.replace({ hosts: { db: { port: 1, host: 'b' } }, other: 1 });
    await settle();
    expect(port).toEqual([]);
    expect(host).toEqual([{ value: 'b', previous: 'a', current: 'b', version: 2, path: 'hosts.db.host' }]);
    expect(cache).toEqual([{ value: undefined, previous: 2, current: undefined, version: 2, path: 'hosts.cache.port' }]);
    source.replace({ hosts: 'gone', other: 1 });
    await settle();
    expect(port.at(-1)).toMatchObject({ previous: 1, current: undefined, version: 3 });
  });

  it('fires when a path appears and when it disappears, and twice for A→B→A', async () => {
    const { source, config } = await setup();
    const seen = record(config, 'feature.flag');
    source.set('feature', { flag: true });
    await settle();
    source.set('feature', {});
    await settle();
    source.set('feature', { flag: true });
    await settle();
    expect(seen.map((s) => s.current)).toEqual([true, undefined, true]);
  });

  it('reads literal segments: a key holding a dot', async () => {
    const source = memorySource({ 'a.b': 1, a: { b: 2 } });
    const config = await make({ sources: [source] });
    const literal = record(config, ['a.b']);
    const dotted = record(config, 'a.b');
    source.set(['a.b'], 10);
    await settle();
    expect(literal.map((s) => s.current)).toEqual([10]);
    expect(dotted).toEqual([]);
    expect(config.get(['a.b']).int(0)).toBe(10);
    expect(config.get('a.b').int(0)).toBe(2);
  });

  it('iterates values and ends on stop()', async () => {
    const { source, config } = await setup();
    const watcher = config.watch('hosts.db.port');
    const values: number[] = [];
    const done = (async () => {
      for await (const value of watcher) {
        values.push(value.int(0));
        if (values.length === 2) watcher.stop();
      }
    })();
    await settle();
    source.set('hosts.db.port', 2);
    await settle();
    source.set('hosts.db.port', 3);
    await done;
    expect(values).toEqual([2, 3]);
    expect(watcher.stopped).toBe(true);
  });

  it('delivers the latest value to a slow iterator, never losing the final state', async () => {
    const { source, config } = await setup();
    const watcher = config.watch('other');
    const iterator = watcher[Symbol.asyncIterator]();
    for (let i = 2; i <= 50; i++) source.set('other', i);
    await settle();
    const { value } = await iterator.next();
    expect((value as Value).int(0)).toBe(50);
    watcher.stop();
    expect((await iterator.next()).done).toBe(true);
  });

  it('ends iteration on close() and on an aborted signal', async () => {
    const { config } = await setup();
    const controller = new AbortController();
    const aborted = config.watch('other', { signal: controller.signal });
    const closing = config.watch('hosts');
    const ended = Promise.all(
      [aborted, closing].map(async (watcher) => {
        for await (const _ of watcher) {
          // no change is made
        }
        return watcher.stopped;
      }),
    );
    controller.abort();
    await config.close();
    expect(await ended).toEqual([true, true]);
    expect(config.watch('x').stopped).toBe(true);
  });

  it('stops calling a listener after off() or stop()', async () => {
    const { source, config } = await setup();
    const calls: number[] = [];
    const listener = (v: Value) => calls.push(v.int(0));
    const watcher = config.watch('other').on('change', listener);
    source.set('other', 2);
    await settle();
    watcher.off('change', listener);
    source.set('other', 3);
    await settle();
    watcher.on('change', listener);
    watcher.stop();
    source.set('other', 4);
    await settle();
    expect(calls).toEqual([2]);
  });
});

describe('load, sync, explain and the whole-tree reads', () => {
  it('adds sources at run time above the others', async () => {
    const config = await make({ defaults: { registry: 'mdns' }, sources: [memorySource({ registry: 'etcd' })] });
    const change = nextChange(config);
    await config.load(memorySource({ registry: 'consul' }, { name: 'late' }));
    expect((await change).changes[0]).toMatchObject({ path: 'registry', previous: 'etcd', current: 'consul' });
    expect(config.explain('registry').source).toBe('late');
  });

  it('adds none of the sources of a load() when one fails, and loses nothing loaded', async () => {
    const config = await make({ sources: [memorySource({ a: 1 })] });
    await expect(config.load(memorySource({ a: 2 }), textSource('bad', 'json', '{'))).rejects.toMatchObject({ source: 'bad' });
    expect(config.get('a').int(0)).toBe(1);
    expect(config.snapshot().sources).toHaveLength(2);
  });

  it('sync() re-reads every source; a failing one keeps its last good layer and the call rejects', async () => {
    const a = textSource('a', 'json', '{"x":1}');
    const b = textSource('b', 'json', '{"y":1}');
    const config = await make({ sources: [a, b] });
    a.setText('{"x":2}');
    await config.sync();
    expect(config.get('x').int(0)).toBe(2);
    b.failWith(new Error('gone'));
    a.setText('{"x":3}');
    await expect(config.sync()).rejects.toMatchObject({ source: 'b', code: 'READ' });
    expect(config.get('x').int(0)).toBe(3);
    expect(config.get('y').int(0)).toBe(1);
  });

  it('explain() names the winner and what it overrode, for a leaf and a subtree', async () => {
    const config = await make({
      defaults: { registry: 'mdns', db: { host: 'localhost', port: 1 } },
      sources: [memorySource({ registry: 'etcd', db: { port: 2 } }, { name: 'file' }), memorySource({ registry: 'consul' }, { name: 'env' })],
    });
    expect(config.explain('registry')).toEqual({
      path: 'registry',
      value: 'consul',
      source: 'env',
      overridden: [
        { source: 'file', value: 'etcd' },
        { source: 'defaults', value: 'mdns' },
      ],
    });
    const db = config.explain('db');
    expect(db.leaves).toEqual([
      { path: 'db.host', value: 'localhost', source: 'defaults', overridden: [] },
      { path: 'db.port', value: 2, source: 'file', overridden: [{ source: 'defaults', value: 1 }] },
    ]);
    expect(config.explain('nope')).toEqual({ path: 'nope', value: undefined, source: undefined, overridden: [] });
  });

  it('explain() of a subtree names the objects merged into it apart from what it replaced whole', async () => {
    const config = await make({
      defaults: { db: { host: 'localhost', port: 1 }, a: { x: 1 } },
      sources: [
        memorySource({ db: { port: 2 }, a: 5 }, { name: 'file' }),
        memorySource({ db: { user: 'u' }, a: { y: 2 } }, { name: 'env' }),
      ],
    });
    const db = config.explain('db');
    expect(db).toMatchObject({ value: { host: 'localhost', port: 2, user: 'u' }, source: 'env', merged: ['file', 'defaults'], overridden: [] });
    // The number in between replaced the defaults' object, and the object above replaced the number.
    expect(config.get('a').raw()).toEqual({ y: 2 });
    expect(config.explain('a')).toMatchObject({
      value: { y: 2 },
      source: 'env',
      merged: [],
      overridden: [
        { source: 'file', value: 5 },
        { source: 'defaults', value: { x: 1 } },
      ],
    });
    expect(config.explain('db.port')).not.toHaveProperty('merged');
  });

  it('explain() of a subtree does not name as merged an object whose ancestor a layer above replaced', async () => {
    const config = await make({
      defaults: { a: { b: { x: 1 } }, l: [{ x: 1 }] },
      sources: [memorySource({ a: 5 }, { name: 'file' }), memorySource({ a: { b: { y: 2 } }, l: { '0': { y: 2 } } }, { name: 'env' })],
    });
    // The file's number replaced the defaults' `a` and all below it; the env's object replaced the defaults' list.
    expect(config.get('a.b').raw()).toEqual({ y: 2 });
    expect(config.explain('a.b')).toMatchObject({ value: { y: 2 }, source: 'env', merged: [], overridden: [{ source: 'defaults', value: { x: 1 } }] });
    expect(config.get('l.0').raw()).toEqual({ y: 2 });
    expect(config.explain('l.0')).toMatchObject({ value: { y: 2 }, source: 'env', merged: [], overridden: [{ source: 'defaults', value: { x: 1 } }] });
  });

  it('keeps every node of every snapshot frozen, shared layer parts included, and what explain hands out', async () => {
    const file = memorySource('{"a":{"deep":{"list":[{"x":1}]},"b":1},"only":{"here":{"z":[1,[2]]}}}', { format: 'json', name: 'json' });
    const config = await make({ defaults: { a: { b: 0, c: { d: 1 } } }, sources: [file, memorySource({ a: { b: 2 } })] });
    const check = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      expect(Object.isFrozen(node)).toBe(true);
      for (const child of Object.values(node)) check(child);
    };
    check(config.map());
    file.replace('{"a":{"deep":{"list":[{"x":2}]},"b":1},"only":{"here":{"z":[1,[3]]}},"new":{"k":{"v":1}}}');
    await nextChange(config);
    check(config.map());
    for (const { value } of config.explain('a.b').overridden) check(value);
    for (const { value } of config.explain('a').overridden) check(value);
  });

  it('map(), bytes() and scan() read the whole tree', async () => {
    const config = await make({ defaults: { b: 1, a: { c: [1] } } });
    expect(Object.isFrozen(config.map())).toBe(true);
    expect(new TextDecoder().decode(config.bytes())).toBe('{"a":{"c":[1]},"b":1}');
    const copy = config.scan<{ b: number }>();
    copy.b = 2;
    expect(config.get('b').int(0)).toBe(1);
  });

  it('makes hostile keys from every kind of input harmless', async () => {
    const config = await make({
      defaults: JSON.parse('{"__proto__":{"polluted":"defaults"}}') as Record<string, unknown>,
      sources: [
        memorySource('{"__proto__":{"polluted":"json"},"constructor":{"prototype":{"polluted":"json"}}}', { format: 'json' }),
        memorySource('__proto__:\n  polluted: yaml\nnested:\n  __proto__:\n    polluted: yaml\n', { format: 'yaml' }),
        memorySource('[__proto__]\npolluted = "toml"\n', { format: 'toml' }),
        memorySource('__PROTO___POLLUTED=dotenv\nCONSTRUCTOR_PROTOTYPE_POLLUTED=dotenv\n', { format: 'dotenv' }),
      ],
    });
    const source = memorySource({});
    await config.load(source);
    expect(() => source.set('__proto__.polluted', 'set')).toThrow(ConfigError);
    expect(() => source.set(['constructor', 'prototype', 'polluted'], 'set')).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(config.get('polluted').exists()).toBe(false);
    expect(config.get('nested.polluted').exists()).toBe(false);
    expect(config.get('__proto__').exists()).toBe(false);
    // `__PROTO___POLLUTED` splits into proto.polluted: the empty segments that spelled __proto__ are dropped.
    expect(Object.keys(config.map()).sort()).toEqual(['nested', 'proto']);
    expect(Object.getPrototypeOf(config.get('nested').raw())).toBe(Object.prototype);
  });

  it('rejects load() and sync() after close(), and answers reads from the last snapshot', async () => {
    const config = await createConfig({ defaults: { a: 1 } });
    await config.close();
    await config.close();
    expect(config.get('a').int(0)).toBe(1);
    await expect(config.load(memorySource({}))).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(config.sync()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
