// Hostile and random input through every kind of source: no exception escapes get() or an accessor, nothing but
// a ConfigError escapes decoding, no prototype is polluted, and oversized or pathological documents are refused
// cleanly. Property-based, 10,000 generated cases per source kind.
import fc from 'fast-check';
import { stringify as tomlStringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { stringify as yamlStringify } from 'yaml';
import { ConfigError, createChangeSet, envSource, flagsSource, type ChangeSet } from '../../src/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { mergeLayers } from '../../src/reader/merge.ts';
import { getIn, type Tree } from '../../src/reader/tree.ts';
import { valueOf } from '../../src/reader/value.ts';
import { kvTree } from '../../src/sources/kv.ts';
import { figure } from './figures.ts';

const RUNS = 10_000;
const options = { limits: { maxBytes: 16 * 1024 * 1024, maxDepth: 64 }, env: { HOME: '/home/x' } };
const HOSTILE = ['__proto__', 'constructor', 'prototype', '', '.', 'a.b', '0', 'length', 'toString', 'hasOwnProperty', '__defineGetter__'];
const key = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 }));

type Node = string | number | boolean | null | Node[] | { entries: [string, Node][] };
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 10 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.record({ entries: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }) }),
  ),
})).node;
const documentArb = fc.record({ entries: fc.array(fc.tuple(key, node), { maxLength: 6 }) });

/** JSON text of a node, hostile keys written as keys (JSON.stringify of an object could not carry them). */
function json(value: Node): string {
  if (value === null || typeof value !== 'object') return Number.isFinite(value as number) || typeof value !== 'number' ? JSON.stringify(value) : '0';
  if (Array.isArray(value)) return `[${value.map(json).join(',')}]`;
  return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${json(v)}`).join(',')}}`;
}

/** A plain object of a node, keys defined as own properties (so `__proto__` is a key, not a prototype). */
function plain(value: Node): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const out = {};
  for (const [k, v] of value.entries) Object.defineProperty(out, k, { value: plain(v), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Decodes, merges over defaults and reads every path and accessor; only a ConfigError may come out of decoding. */
async function exercise(changeSet: ChangeSet, probes: readonly (readonly string[])[]): Promise<'ok' | 'refused'> {
  let layer: Tree;
  try {
    layer = await decodeChangeSet(changeSet, options);
  } catch (error) {
    if (error instanceof ConfigError) return 'refused';
    throw error;
  }
  const merged = mergeLayers([{ defaults: { a: 1 } }, layer]);
  for (const path of [...probes, ...HOSTILE.map((k) => [k]), ['a', '__proto__', 'x']]) {
    const value = valueOf(getIn(merged, path));
    value.exists();
    value.bool(true);
    value.int(1);
    value.float(1);
    value.string('d');
    value.duration(1);
    value.stringSlice(['d']);
    value.stringMap({ d: 'd' });
    value.scan();
    value.bytes();
    value.get('x', '__proto__').string();
  }
  expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  return 'ok';
}

function unpolluted(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

const paths = fc.array(fc.array(key, { maxLength: 4 }), { maxLength: 4 });

async function property<T>(name: string, inputs: fc.Arbitrary<T>, make: (input: T) => ChangeSet | Promise<ChangeSet>): Promise<void> {
  const started = Date.now();
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(inputs, paths, async (input, probes) => {
      if ((await exercise(await make(input), probes)) === 'refused') refused++;
      unpolluted();
    }),
    { numRuns: RUNS },
  );
  figure(`random ${name}`, { trials: RUNS, failures: 0, ms: Date.now() - started, note: `${refused} refused with a ConfigError` });
}

// 10,000 cases each: on a loaded machine that takes longer than a unit test's default timeout.
describe('hostile input', { timeout: 120_000 }, () => {
  it('JSON documents', async () => {
    await property('JSON documents with hostile keys (and raw bytes)', fc.oneof(documentArb.map(json), fc.uint8Array({ maxLength: 64 })), (data) =>
      createChangeSet('json', 'json', data),
    );
  });

  it('YAML documents', async () => {
    await property('YAML documents with hostile keys, and random text', fc.oneof(documentArb.map((doc) => yamlStringify(plain(doc))), fc.string({ maxLength: 80 })), (text) =>
      createChangeSet('yaml', 'yaml', text),
    );
  });

  it('TOML documents', async () => {
    const toml = (doc: Node) => {
      try {
        // TOML has no null: drop them by round-tripping through JSON's replacer.
        return tomlStringify(JSON.parse(JSON.stringify(plain(doc), (_k, v: unknown) => (v === null ? undefined : v))) as Record<string, unknown>);
      } catch {
        return 'a = 1';
      }
    };
    await property('TOML documents with hostile keys, and random text', fc.oneof(documentArb.map(toml), fc.string({ maxLength: 80 })), (text) =>
      createChangeSet('toml', 'toml', text),
    );
  });

  it('environment variables', async () => {
    const name = fc.oneof(fc.constantFrom('__PROTO___X', 'CONSTRUCTOR_PROTOTYPE_X', 'A__B', '_', 'APP_', 'APP___PROTO__'), fc.string({ maxLength: 12 }));
    await property(
      'environment names and values',
      fc.record({ env: fc.dictionary(name, fc.string({ maxLength: 12 }), { maxKeys: 8 }), prefix: fc.constantFrom(undefined, 'APP', ['APP', 'X']) }),
      ({ env, prefix }) => envSource({ env, strippedPrefix: prefix }).read(),
    );
  });

  it('command lines', async () => {
    const arg = fc.oneof(
      fc.constantFrom('--', '-', '--=', '--__proto__.polluted=yes', '--constructor.prototype.polluted=1', '--no-', '--a..b', '-x', '--prototype'),
      fc.string({ maxLength: 12 }).map((s) => `--${s}`),
      fc.string({ maxLength: 12 }),
    );
    await property('argv arrays', fc.array(arg, { maxLength: 10 }), (argv) => flagsSource({ argv }).read());
  });

  it('Consul and etcd key paths', async () => {
    const segment = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '..', '.', '', 'a.json', 'b.yaml', 'c.toml'), fc.string({ maxLength: 6 }));
    const pair = fc.record({
      key: fc.oneof(fc.array(segment, { maxLength: 5 }).map((s) => `app/${s.join('/')}`), fc.string({ maxLength: 300 }), fc.constant(`app/${'x/'.repeat(2000)}`)),
      value: fc.oneof(fc.string({ maxLength: 20 }), node.map(json), fc.uint8Array({ maxLength: 16 }), fc.constant('a: [')),
    });
    const started = Date.now();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 8 }), paths, async (pairs, probes) => {
        let tree;
        try {
          tree = await kvTree(pairs, '/app/');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          refused++;
          unpolluted();
          return;
        }
        await exercise(createChangeSet('kv', 'object', tree), probes);
        unpolluted();
      }),
      { numRuns: RUNS },
    );
    figure('random Consul/etcd key paths and values', { trials: RUNS, failures: 0, ms: Date.now() - started, note: `${refused} refused with a ConfigError` });
  });
});

describe('pathological documents', () => {
  it('refuses oversized, deeply nested and exploding documents with a ConfigError, quickly', async () => {
    const started = Date.now();
    const cases: [string, ChangeSet][] = [
      ['a 50 MB JSON document', createChangeSet('big', 'json', `{"a":"${'x'.repeat(50 * 1024 * 1024)}"}`)],
      ['JSON nested 10,000 deep', createChangeSet('deep', 'json', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)],
      ['YAML nested 10,000 deep', createChangeSet('deep', 'yaml', `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
      ['TOML nested 10,000 deep', createChangeSet('deep', 'toml', `a = ${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
      ['a YAML alias bomb', createChangeSet('bomb', 'yaml', aliasBomb())],
      ['a TOML integer beyond 2^53', createChangeSet('num', 'toml', 'a = 123456789012345678901234567890\n')],
      ['a JSON number beyond a double', createChangeSet('num', 'json', '{"a": 1,\n "b": -1e999}')],
      ['a JSON integer of 400 digits', createChangeSet('num', 'json', `{"a": ${'9'.repeat(400)}}`)],
      ['a YAML number beyond a double', createChangeSet('num', 'yaml', 'a: .inf\nb: [1, 2e400]')],
      ['a TOML float beyond a double', createChangeSet('num', 'toml', 'a = inf\n[t]\nb = 1e999\n')],
    ];
    let failures = 0;
    for (const [name, changeSet] of cases) {
      const error = await decodeChangeSet(changeSet, options).catch((e: unknown) => e);
      if (!(error instanceof ConfigError)) {
        failures++;
        console.log(`not refused: ${name}`);
      }
    }
    // A JSON integer beyond int64 but within a double is a number, which int() refuses and float() reads.
    const huge = await decodeChangeSet(createChangeSet('num', 'json', '{"b": 123456789012345678901234567890}'), options);
    expect(valueOf(getIn(huge, ['b'])).int(7)).toBe(7);
    expect(valueOf(getIn(huge, ['b'])).float(7)).toBe(1.2345678901234568e29);
    figure('oversized, 10,000-deep, alias-bomb and huge-number documents', { trials: cases.length, failures, ms: Date.now() - started });
    expect(failures).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 0; i < 9; i++) {
    const name = String.fromCharCode(98 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
  }
  return lines.join('\n');
}
