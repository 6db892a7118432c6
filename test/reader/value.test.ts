import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';
import { freezeOutput, outputValueOf, valueOf, type StandardSchemaV1 } from '../../src/reader/value.ts';

// Every accessor against every kind of stored value: number, string, numeric string, bool string, Go duration
// string, array, comma string, object, null, missing. `D` marks "the fallback was returned".
const D = Symbol('default');
const stored: Record<string, Tree | undefined> = {
  integer: 8080,
  fraction: 4.5,
  string: 'hello',
  numeric: '007',
  boolString: 'true',
  boolean: false,
  duration: '1h30m',
  array: ['a', 'b', null],
  mixedArray: ['a', 1, true],
  nestedArray: ['a', ['b']],
  comma: 'a, b ,c',
  object: { k: 'v', n: 2, z: null, o: { x: 1 } },
  null: null,
  missing: undefined,
};

type Row = [kind: string, expected: unknown];
const table: Record<string, { def: unknown; rows: Row[] }> = {
  bool: {
    def: true,
    rows: [['integer', D], ['fraction', D], ['string', D], ['numeric', D], ['boolString', true], ['boolean', false],
      ['duration', D], ['array', D], ['comma', D], ['object', D], ['null', D], ['missing', D]],
  },
  int: {
    def: -1,
    rows: [['integer', 8080], ['fraction', D], ['string', D], ['numeric', 7], ['boolString', D], ['boolean', D],
      ['duration', D], ['array', D], ['comma', D], ['object', D], ['null', D], ['missing', D]],
  },
  float: {
    def: -1,
    rows: [['integer', 8080], ['fraction', 4.5], ['string', D], ['numeric', 7], ['boolString', D], ['boolean', D],
      ['duration', D], ['array', D], ['comma', D], ['object', D], ['null', D], ['missing', D]],
  },
  string: {
    def: 'def',
    rows: [['integer', '8080'], ['fraction', '4.5'], ['string', 'hello'], ['numeric', '007'], ['boolString', 'true'],
      ['boolean', 'false'], ['duration', '1h30m'], ['array', D], ['comma', 'a, b ,c'], ['object', D], ['null', D], ['missing', D]],
  },
  duration: {
    def: -1,
    rows: [['integer', 8080], ['fraction', 4.5], ['string', D], ['numeric', D], ['boolString', D], ['boolean', D],
      ['duration', 5_400_000], ['array', D], ['comma', D], ['object', D], ['null', D], ['missing', D]],
  },
  stringSlice: {
    def: ['def'],
    rows: [['integer', D], ['fraction', D], ['string', ['hello']], ['numeric', ['007']], ['boolString', ['true']],
      ['boolean', D], ['duration', ['1h30m']], ['array', ['a', 'b', '']], ['mixedArray', ['a', '1', 'true']],
      ['nestedArray', D], ['comma', ['a', 'b', 'c']], ['object', D], ['null', D], ['missing', D]],
  },
  stringMap: {
    def: { d: 'def' },
    rows: [['integer', D], ['string', D], ['array', D], ['comma', D], ['null', D], ['missing', D],
      ['object', { k: 'v', n: '2', z: '', o: '{"x":1}' }]],
  },
};

describe('Value accessors', () => {
  for (const [accessor, { def, rows }] of Object.entries(table)) {
    describe(accessor, () => {
      it.each(rows)('%s → %j', (kind, expected) => {
        const node = stored[kind];
        const value = valueOf(node === undefined ? undefined : normalize(node, { maxDepth: 64 }));
        const call = (value as unknown as Record<string, (d: unknown) => unknown>)[accessor]!.bind(value);
        expect(call(def)).toEqual(expected === D ? def : expected);
      });
    });
  }

  it('exists() is false for missing and null only', () => {
    expect(valueOf(undefined).exists()).toBe(false);
    expect(valueOf(null).exists()).toBe(false);
    for (const node of [0, '', false, [], {}]) expect(valueOf(node).exists()).toBe(true);
  });

  it('int() rejects non-integral and out-of-int64 numbers', () => {
    expect(valueOf(5.0).int(1)).toBe(5);
    expect(valueOf(1e21).int(1)).toBe(1);
    expect(valueOf(12345678901234567000).int(1)).toBe(1);
    expect(valueOf(Number.NaN).int(1)).toBe(1);
  });

  it('an empty comma string is an empty slice', () => {
    expect(valueOf('').stringSlice(['x'])).toEqual([]);
  });

  it('bytes() gives a string raw and anything else as sorted JSON', () => {
    const text = (node: Tree | undefined) => new TextDecoder().decode(valueOf(node).bytes());
    expect(text('<b>&')).toBe('<b>&');
    expect(text({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
    expect(text(undefined)).toBe('null');
    expect(text(8080)).toBe('8080');
  });

  it('scan() copies deeply and falls back when missing', () => {
    const node = normalize({ a: { b: [1, 2] } }, { maxDepth: 64 });
    const copy = valueOf(node).scan<{ a: { b: number[] } }>();
    copy.a.b.push(3);
    expect(node).toEqual({ a: { b: [1, 2] } });
    expect(Object.isFrozen(copy)).toBe(false);
    expect(valueOf(undefined).scan({ fallback: true })).toEqual({ fallback: true });
  });

  it('scan(schema) validates with a Standard Schema and names every issue', () => {
    const port: StandardSchemaV1<unknown, { port: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate(value) {
          const port = Number((value as { port?: unknown })?.port);
          return Number.isInteger(port) ? { value: { port } } : { issues: [{ message: 'not a port', path: ['port'] }] };
        },
      },
    };
    expect(valueOf(normalize({ port: '8080' }, { maxDepth: 8 })).scan(port)).toEqual({ port: 8080 });
    expect(() => valueOf(normalize({ port: 'x' }, { maxDepth: 8 })).scan(port)).toThrow(/port: not a port/);
    expect(() => valueOf({ port: 'x' }).scan(port)).toThrow(ConfigError);
  });

  it('raw() returns the frozen node itself', () => {
    const node = normalize({ a: { b: 1 } }, { maxDepth: 8 });
    expect(valueOf(node).get('a').raw()).toBe((node as { a: Tree }).a);
    expect(Object.isFrozen(valueOf(node).get('a').raw())).toBe(true);
  });

  it('get() navigates with the same grammar and never throws', () => {
    const node = normalize({ handlers: { popular: { greeting: 'Ping', 'a.b': 1 } }, list: [{ x: 1 }] }, { maxDepth: 8 });
    const options = valueOf(node).get('handlers.popular');
    expect(options.get('greeting').string('?')).toBe('Ping');
    expect(options.get('a.b').exists()).toBe(false);
    expect(options.get(['a.b']).int(0)).toBe(1);
    expect(valueOf(node).get('list.0.x').int(0)).toBe(1);
    expect(valueOf(node).get('list', 0, 'x').int(0)).toBe(1);
    expect(valueOf(node).get('handlers.popular.greeting.deeper').exists()).toBe(false);
    expect(valueOf(undefined).get('a.b.c').string('d')).toBe('d');
    expect(valueOf(node).get('toString').exists()).toBe(false);
    expect(valueOf(node).get('__proto__').exists()).toBe(false);
  });

  it('required() answers the node, or a ConfigError naming the path (never the value) when missing or null', () => {
    const node = normalize({ db: { host: 'h', password: 's3cret', none: null, ports: [5432] } }, { maxDepth: 8 });
    const root = valueOf(node);
    expect(root.get('db.host').required()).toBe('h');
    expect(root.get('db').get('ports', 0).required()).toBe(5432);
    expect(root.get('db').required()).toBe((node as { db: Tree }).db);
    const failure = (read: () => unknown) => {
      try {
        read();
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error('required() did not throw');
    };
    const missing = failure(() => root.get('db').get('user').required());
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing).toMatchObject({ code: 'MISSING', path: 'db.user' });
    expect(missing.message).toContain('db.user');
    expect(failure(() => root.get('db.none').required())).toMatchObject({ code: 'MISSING', path: 'db.none' });
    expect(failure(() => root.get('db.password.deeper').required())).toMatchObject({ path: 'db.password.deeper' });
    expect(failure(() => root.get('db.password.deeper').required()).message).not.toContain('s3cret');
  });
});

describe('value(): the node, or a schema output at the same path', () => {
  it('is the merged node itself without a schema output', () => {
    const node = normalize({ a: { b: [1, 2] } }, { maxDepth: 8 });
    expect(valueOf(node).get('a').value()).toBe((node as { a: Tree }).a);
    expect(valueOf(node).get('a.b.1').value()).toBe(2);
    expect(valueOf(undefined).value()).toBeUndefined();
    expect(valueOf(node).get('a.nope').value()).toBeUndefined();
  });

  it('reads the output beside the node, and keeps both in step through get()', () => {
    const node = normalize({ port: '8080', db: { port: '5432', extra: 'x' } }, { maxDepth: 8 });
    const output = freezeOutput({ port: 8080, db: { port: 5432 }, added: 'default' });
    const root = outputValueOf(node, output);
    expect(root.get('port').value()).toBe(8080);
    expect(root.get('port').raw()).toBe('8080');
    expect(root.get('db').get('port').value()).toBe(5432);
    expect(root.get('db', 'port').int(0)).toBe(5432);
    // A key only the output has (a schema default), and one only the tree has (stripped by the schema).
    expect(root.get('added').value()).toBe('default');
    expect(root.get('added').exists()).toBe(false);
    expect(root.get('db.extra').value()).toBeUndefined();
    expect(root.get('db.extra').string()).toBe('x');
    // The output is walked by own keys only, as the tree is.
    expect(root.get('toString').value()).toBeUndefined();
    expect(root.get('db.constructor').value()).toBeUndefined();
  });

  it('freezes plain objects and arrays of an output, and leaves instances alone', () => {
    class Client {
      calls = 0;
      call(): number {
        return ++this.calls;
      }
    }
    const when = new Date(0);
    const output = freezeOutput({ list: [{ a: 1 }], when, client: new Client(), bare: Object.assign(Object.create(null) as object, { x: 1 }) });
    expect(Object.isFrozen(output)).toBe(true);
    expect(Object.isFrozen(output.list)).toBe(true);
    expect(Object.isFrozen(output.list[0])).toBe(true);
    expect(Object.isFrozen(output.bare)).toBe(true);
    expect(Object.isFrozen(output.when)).toBe(false);
    expect(output.client.call()).toBe(1);
    expect(freezeOutput(7)).toBe(7);
    expect(freezeOutput(null)).toBeNull();
  });

  it('freezes an output a transform made cyclic without looping', () => {
    const cyclic: { self?: unknown; list: unknown[] } = { list: [] };
    cyclic.self = cyclic;
    cyclic.list.push(cyclic.list);
    expect(Object.isFrozen(freezeOutput(cyclic))).toBe(true);
    expect(Object.isFrozen(cyclic.list)).toBe(true);
  });
});
