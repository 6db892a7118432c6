import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConfig, memorySource } from '../../src/index.ts';
import { NO_OVERRIDES, removeIn, withDelete, withSet } from '../../src/loader/overrides.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';
import { nextChange } from '../helpers/events.ts';

const tree = (value: unknown) => normalize(value, { maxDepth: 16 });

describe('the run-time layer, as data', () => {
  it.each([
    [{ a: { b: 1, c: 2 } }, ['a', 'b'], { a: { c: 2 } }],
    [{ a: { b: 1 } }, ['a'], {}],
    [{ a: { b: 1 } }, ['x', 'y'], { a: { b: 1 } }],
    [{ a: 'scalar' }, ['a', 'b'], { a: 'scalar' }],
    [{ list: [1, 2, 3] }, ['list', '1'], { list: [1, null, 3] }],
    [{ list: [1] }, ['list', '5'], { list: [1] }],
    [{ a: 1 }, [], {}],
    [null, ['a'], null],
  ])('removeIn(%j, %j) → %j', (root, segments, expected) => {
    expect(removeIn(tree(root), segments)).toEqual(expected);
  });

  it('keeps the same tree when nothing is removed (so unchanged layers are not copied)', () => {
    const root = tree({ a: { b: 1 } });
    expect(removeIn(root, ['a', 'x'])).toBe(root);
  });

  it('set hides below and holds the value; delete hides and drops what was set; the hidden list stays minimal', () => {
    let overrides = withSet(NO_OVERRIDES, ['a', 'b'], 1);
    expect(overrides).toEqual({ hidden: [], values: { a: { b: 1 } } });
    overrides = withSet(overrides, ['a'], tree({ x: 1 }));
    expect(overrides).toEqual({ hidden: [['a']], values: { a: { x: 1 } } });
    overrides = withDelete(overrides, ['a', 'x']);
    expect(overrides).toEqual({ hidden: [['a']], values: { a: {} } });
    overrides = withDelete(withSet(NO_OVERRIDES, ['p', 'q'], 1), ['p']);
    expect(overrides).toEqual({ hidden: [['p']], values: {} });
  });

  it.each([
    ['an item of a list the config holds', { list: [1, 2, 3] }, ['list', '1'], 'x', { list: [1, 'x', 3] }],
    ['one more at its end', { list: [1] }, ['list', '1'], 'x', { list: [1, 'x'] }],
    ['inside an item', { s: [{ host: 'a', port: 1 }] }, ['s', '0', 'port'], 2, { s: [{ host: 'a', port: 2 }] }],
    ['a list in a list', { m: [[1, 2]] }, ['m', '0', '1'], 9, { m: [[1, 9]] }],
    ['a name on a list (replaced by an object, as on any value not an object)', { list: [1] }, ['list', 'x'], 1, { list: { x: 1 } }],
    ['an index where the config holds no list (an object key, as Go Config)', { a: 1 }, ['list', '0'], 1, { list: { 0: 1 } }],
  ])('set through %s', (_, current, segments, value, expected) => {
    expect(withSet(NO_OVERRIDES, segments, value, tree(current)).values).toEqual(expected);
  });

  it('refuses an index past the end of a list (a list with a gap)', () => {
    expect(() => withSet(NO_OVERRIDES, ['list', '3'], 1, tree({ list: [1] }))).toThrow(
      expect.objectContaining({ code: 'INVALID_PATH', message: 'index 3 is past the end of the list at "list" (1 items)' }),
    );
  });

  it.each([[[]], [['a', '__proto__']], [['constructor']], [['a', '']]])('refuses the path %j for set', (segments) => {
    expect(() => withSet(NO_OVERRIDES, segments as string[], 1)).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });
});

describe('config.set and config.delete', () => {
  it('publishes a set like any change, shown by explain as "set" over the source, and surviving its reloads', async () => {
    const source = memorySource({ db: { host: 'file-host', port: 5432 } }, { name: 'file' });
    const config = await createConfig({ sources: [source] });
    const seen: Tree[] = [];
    config.watch('db.host').on('change', (value) => seen.push(value.raw()!));
    const change = nextChange(config);
    await config.set('db.host', 'override');
    expect((await change).changes).toEqual([expect.objectContaining({ path: 'db.host', previous: 'file-host', current: 'override' })]);
    expect(seen).toEqual(['override']);
    expect(config.explain('db.host')).toMatchObject({ source: 'set', value: 'override', overridden: [{ source: 'file', value: 'file-host' }] });

    const reload = nextChange(config);
    source.replace({ db: { host: 'new-file-host', port: 6543 } });
    await reload;
    expect(config.get('db').scan()).toEqual({ host: 'override', port: 6543 });
    expect(seen).toEqual(['override']);
    await config.close();
  });

  it('sets an item of a list the sources hold, as get() reads one, keeping the other items', async () => {
    const source = memorySource({ servers: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], tags: ['x', 'y'] }, { name: 'file' });
    const config = await createConfig({ sources: [source] });
    const seen: Tree[] = [];
    config.watch('servers.1.host').on('change', (value) => seen.push(value.raw()!));
    config.watch('servers.0').on('change', (value) => seen.push(value.raw()!));
    await config.set('servers.1.host', 'c');
    expect(seen).toEqual(['c']);
    await config.set(['tags', '0'], 'z');
    await config.set('tags.2', 'w');
    expect(config.map()).toEqual({ servers: [{ host: 'a', port: 1 }, { host: 'c', port: 2 }], tags: ['z', 'y', 'w'] });
    expect(Array.isArray(config.get('tags').raw())).toBe(true);
    expect(config.get('tags').stringSlice([])).toEqual(['z', 'y', 'w']);
    expect(config.explain('tags')).toMatchObject({ source: 'set', overridden: [{ source: 'file', value: ['x', 'y'] }] });
    await expect(config.set('tags.9', 'v')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    expect(config.get('tags').stringSlice([])).toEqual(['z', 'y', 'w']);
    // The list is the run-time layer's now: deleting it there brings the sources' back.
    await config.delete('tags');
    source.replace({ tags: ['p'] });
    await expect.poll(() => config.map()).toEqual({ servers: [{ host: 'a', port: 1 }, { host: 'c', port: 2 }] });
    await config.close();
  });

  it('sets an object in place of what the sources hold there, not merged into it', async () => {
    const config = await createConfig({ defaults: { db: { host: 'h', port: 1 } }, sources: [memorySource({ db: { user: 'u' } })] });
    await config.set(['db'], { host: 'x' });
    expect(config.get('db').scan()).toEqual({ host: 'x' });
    await config.set('db.port', 2);
    expect(config.get('db').scan()).toEqual({ host: 'x', port: 2 });
    await config.close();
  });

  it('hides a deleted path whatever the sources hold, until it is set again', async () => {
    const source = memorySource({ feature: { beta: true, gamma: 1 }, other: 1 });
    const config = await createConfig({ defaults: { feature: { beta: false } }, sources: [source] });
    const change = nextChange(config);
    await config.delete('feature.beta');
    expect((await change).changes).toEqual([expect.objectContaining({ path: 'feature.beta', previous: true, current: undefined })]);
    expect(config.get('feature.beta').exists()).toBe(false);
    expect(config.explain('feature.beta').source).toBeUndefined();

    const reload = nextChange(config);
    source.replace({ feature: { beta: 'again', gamma: 2 }, other: 1 });
    await reload;
    expect(config.get('feature').scan()).toEqual({ gamma: 2 });

    await config.set('feature.beta', 'mine');
    expect(config.get('feature').scan()).toEqual({ beta: 'mine', gamma: 2 });
    await config.delete('feature.beta');
    expect(config.get('feature').scan()).toEqual({ gamma: 2 });
    await config.close();
  });

  it('deleting the root empties the tree, as Go Config Del() does; sources loaded later stay below the layer', async () => {
    const config = await createConfig({ sources: [memorySource({ a: 1 })] });
    await config.delete([]);
    expect(config.map()).toEqual({});
    await config.set('b', 2);
    await config.load(memorySource({ b: 3, c: 4 }));
    expect(config.map()).toEqual({ b: 2 });
    await config.close();
  });

  it('publishes nothing for a set that changes nothing', async () => {
    const config = await createConfig({ sources: [memorySource({ a: 1 })] });
    const version = config.snapshot().version;
    await config.set('a', 1);
    expect(config.snapshot().version).toBe(version);
    await config.close();
  });

  it('refuses a set the schema refuses, leaving the layer as it was; and a hostile path, and a closed config', async () => {
    const config = await createConfig({ schema: z.object({ port: z.number() }), sources: [memorySource({ port: 1 })] });
    await expect(config.set('port', 'nope')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(config.get('port').int()).toBe(1);
    await config.set('port', 2);
    expect(config.get('port').int()).toBe(2);
    await expect(config.set('__proto__.x', 1)).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(config.set('', 1)).rejects.toMatchObject({ code: 'INVALID_PATH' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    await config.close();
    await expect(config.set('port', 3)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(config.delete('port')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('drops hostile keys inside a value and refuses one nested too deep', async () => {
    const config = await createConfig({ maxDepth: 4 });
    await config.set('a', JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1}'));
    expect(config.get('a').scan()).toEqual({ ok: 1 });
    await expect(config.set('deep', { a: { b: { c: { d: { e: 1 } } } } })).rejects.toMatchObject({ code: 'LIMIT' });
    await config.close();
  });
});
