import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { toSegments } from '../../src/reader/path.ts';
import { deepEqual, getIn, normalize, setIn, sortedJson, type Tree } from '../../src/reader/tree.ts';
import { expandVariables } from '../../src/reader/expand.ts';

describe('path grammar', () => {
  it.each([
    [[], []],
    [[''], []],
    [['a'], ['a']],
    [['hosts.db.port'], ['hosts', 'db', 'port']],
    [['hosts', 'db.primary'], ['hosts', 'db.primary']],
    [[['a.b', 'c']], ['a.b', 'c']],
    [['list', 0, 'x'], ['list', '0', 'x']],
  ])('%j → %j', (args, expected) => {
    expect(toSegments(args as never)).toEqual(expected);
  });
});

describe('normalize', () => {
  it('drops hostile keys, undefined and functions; turns dates and bigints into JSON values', () => {
    const out = normalize(
      { ...JSON.parse('{"__proto__":{"x":1}}'), prototype: 1, constructor: 2, u: undefined, f: () => 1, d: new Date(0), b: 10n, huge: 2n ** 70n },
      { maxDepth: 8 },
    );
    expect(out).toEqual({ d: '1970-01-01T00:00:00.000Z', b: 10, huge: '1180591620717411303424' });
  });

  it('copies the caller\'s data unless it is owned, and freezes the result', () => {
    const mine = { a: { b: 1 } };
    const out = normalize(mine, { maxDepth: 8 });
    expect(Object.isFrozen(mine)).toBe(false);
    expect(Object.isFrozen((out as { a: object }).a)).toBe(true);
    const owned = JSON.parse('{"a":{"b":1}}') as object;
    expect(normalize(owned, { maxDepth: 8, owned: true })).toBe(owned);
  });

  it('copies what the caller keeps inside a Set or a Map: its members are neither sanitized nor frozen in place', () => {
    const member = JSON.parse('{"__proto__":{"x":1},"pw":"${PW}","inner":{"b":1}}') as Record<string, unknown>;
    const entry = { c: 1, inner: ['${PW}'] };
    const out = normalize({ set: new Set([member]), map: new Map([['k', entry]]) }, { maxDepth: 8, transform: () => 'expanded' });
    expect(out).toEqual({ set: [{ pw: 'expanded', inner: { b: 1 } }], map: { k: { c: 1, inner: ['expanded'] } } });
    expect(Object.hasOwn(member, '__proto__') && member.pw === '${PW}').toBe(true);
    expect(Object.isFrozen(member) || Object.isFrozen(member.inner) || Object.isFrozen(entry) || Object.isFrozen(entry.inner)).toBe(false);
    expect(entry.inner).toEqual(['${PW}']);
  });

  it('expands a node a parser hands over at two paths (a YAML alias) once at each, frozen or not', () => {
    const env = { NAME: 'bob', PW: 'a$${NAME}' };
    const transform = (text: string) => expandVariables(text, env);
    for (const freeze of [false, true]) {
      const shared = { greeting: { template: 'hello $${NAME}', pw: '${PW}' }, list: ['$${NAME}'] };
      const tree = normalize({ base: shared, svc: shared, other: { nested: shared } }, { maxDepth: 8, owned: true, freeze, transform });
      const once = { greeting: { template: 'hello ${NAME}', pw: 'a$${NAME}' }, list: ['${NAME}'] };
      expect(tree).toEqual({ base: once, svc: once, other: { nested: once } });
    }
  });

  it('leaves the previous tree untouched when a node the parser shares between two paths is met again', () => {
    const parsed = (text: string) => JSON.parse(text) as unknown;
    const previous = normalize(parsed('{"a":{"x":{"y":{"v":1}}},"b":{"x":{"y":{"v":1}}}}'), { maxDepth: 8, owned: true, freeze: false }) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    const kept = previous.a!.x!.y;
    const shared = parsed('{"x":{"y":{"v":1}}}');
    const tree = normalize({ a: shared, b: shared }, { maxDepth: 8, owned: true, freeze: false, previous: previous as Tree });
    expect(tree).toEqual(previous);
    expect(previous.a!.x!.y).toBe(kept);
    expect(previous.a!.x!.y).not.toBe(previous.b!.x!.y);
  });

  it('refuses nesting past the limit with a ConfigError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => normalize(deep, { maxDepth: 64 })).toThrow(ConfigError);
    expect(() => normalize(deep, { maxDepth: 64 })).toThrow(/nesting deeper than 64/);
  });
});

describe('normalize of a JSON parser\'s result (plain)', () => {
  /** Data whose every node counts the looks at whether it is frozen (Object.isFrozen asks whether it is extensible). */
  function watched(): { data: Record<string, unknown>; looks: { frozen: number } } {
    const looks = { frozen: 0 };
    const watch = <T extends object>(node: T): T =>
      new Proxy(node, {
        isExtensible(target) {
          looks.frozen++;
          return Reflect.isExtensible(target);
        },
      });
    return { data: watch({ a: watch({ b: 1 }), list: watch([1, watch({ c: 'x' })]) }), looks };
  }

  it('looks at no node for another kind than JSON gives (a date, a map, binary data, a frozen or shared node)', () => {
    const plain = watched();
    expect(normalize(plain.data, { maxDepth: 8, owned: true, plain: true, freeze: false })).toEqual({ a: { b: 1 }, list: [1, { c: 'x' }] });
    expect(plain.looks.frozen).toBe(0);
    // The same data not said to be plain: each node is asked whether it is frozen.
    const other = watched();
    normalize(other.data, { maxDepth: 8, owned: true, freeze: false });
    expect(other.looks.frozen).toBe(4);
  });

  it('is the tree of the general walk: hostile keys dropped, limits kept, equal nodes taken from the previous tree, frozen', () => {
    const text = '{"__proto__":{"x":1},"constructor":1,"a":{"b":[1,{"c":"${HOME}"}],"d":{"e":true}},"f":null}';
    const expand = (value: string) => value.replace('${HOME}', '/home');
    const previous = normalize(JSON.parse('{"a":{"b":[1,{"c":"/home"}],"d":{"e":false}}}'), { maxDepth: 8, owned: true });
    const trees = [true, false].map((plain) =>
      normalize(JSON.parse(text), { maxDepth: 8, owned: true, plain, distinct: true, transform: expand, previous }),
    );
    expect(trees[0]).toEqual({ a: { b: [1, { c: '/home' }], d: { e: true } }, f: null });
    expect(trees[0]).toEqual(trees[1]);
    const [tree] = trees as [{ a: { b: unknown; d: unknown } }];
    expect(tree.a.b).toBe((previous as { a: { b: unknown } }).a.b);
    expect(tree.a.d).not.toBe((previous as { a: { d: unknown } }).a.d);
    expect(Object.isFrozen(tree) && Object.isFrozen(tree.a.d)).toBe(true);
    expect(() => normalize(JSON.parse('{"a":{"b":{"c":1}}}'), { maxDepth: 2, owned: true, plain: true })).toThrow(ConfigError);
  });
});

describe('tree helpers', () => {
  it('getIn walks own keys and array indexes only', () => {
    const tree = normalize({ a: [{ b: 1 }], c: 'x' }, { maxDepth: 8 });
    expect(getIn(tree, ['a', '0', 'b'])).toBe(1);
    expect(getIn(tree, ['a', '01', 'b'])).toBeUndefined();
    expect(getIn(tree, ['a', 'length'])).toBeUndefined();
    expect(getIn(tree, ['c', 'length'])).toBeUndefined();
    expect(getIn(tree, ['hasOwnProperty'])).toBeUndefined();
  });

  it('setIn copies along the path and refuses hostile segments', () => {
    const tree = normalize({ a: { b: 1 }, keep: { x: 1 } }, { maxDepth: 8 });
    const next = setIn(tree, ['a', 'c'], 2) as Record<string, unknown>;
    expect(next).toEqual({ a: { b: 1, c: 2 }, keep: { x: 1 } });
    expect(tree).toEqual({ a: { b: 1 }, keep: { x: 1 } });
    expect(next.keep).toBe((tree as Record<string, unknown>).keep);
    expect(() => setIn(tree, ['__proto__', 'x'], 1)).toThrow(ConfigError);
    expect(() => setIn(tree, ['a', 'constructor'], 1)).toThrow(/not allowed/);
  });

  it('deepEqual ignores key order and treats NaN as equal', () => {
    expect(deepEqual({ a: 1, b: [1, { c: NaN }] }, { b: [1, { c: NaN }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });

  it('sortedJson sorts keys at every level', () => {
    expect(sortedJson({ b: { d: 1, c: 2 }, a: [{ z: 1, y: 2 }] })).toBe('{"a":[{"y":2,"z":1}],"b":{"c":2,"d":1}}');
  });
});

describe('${VAR} expansion', () => {
  const env = { HOST: 'db.local', EMPTY: '', PORT: '5432' };
  it.each([
    ['${HOST}:${PORT}', 'db.local:5432'],
    ['${MISSING}', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db.local'],
    ['$${HOST}', '${HOST}'],
    ['$HOST ${} ${A-B}', '$HOST ${} ${A-B}'],
    ['$(rm -rf /) `id`', '$(rm -rf /) `id`'],
    ['plain', 'plain'],
  ])('%j → %j', (text, expected) => {
    expect(expandVariables(text, env)).toBe(expected);
  });
});
