import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLayer } from '../../src/loader/decode.ts';
import { decodeText, type DecodeLimits, type DecodeReport } from '../../src/loader/decode-text.ts';
import { decodeEdits, isMapped, mapJsonText } from '../../src/loader/json-edits.ts';
import { createEntry, nextTicket, prepareCandidate } from '../../src/loader/layers.ts';
import { deepEqual, isObject, type Tree, type TreeObject } from '../../src/reader/tree.ts';
import { generateKey, secretbox } from '../../src/secrets/index.ts';
import { createChangeSet, type Source } from '../../src/sources/source.ts';

const limits: DecodeLimits = { maxBytes: 1024 * 1024, maxDepth: 64 };

/** A whole decode of a JSON text, mapped as the loader maps it once the layer is published. */
async function mapped(text: string, previous?: Tree, within = limits, env?: Record<string, string>): Promise<Tree> {
  const report: DecodeReport = { values: 0 };
  const tree = await decodeText('json', text, within, env, report, previous, true);
  mapJsonText(tree, text, { values: report.values, left: report.left! }, within, env);
  return tree;
}

/** What a whole decode gives, or the error it throws. */
async function whole(text: string, previous?: Tree, within = limits): Promise<{ tree?: Tree; error?: unknown }> {
  try {
    return { tree: await decodeText('json', text, within, undefined, { values: 0 }, previous, true) };
  } catch (error) {
    return { error };
  }
}

function leafPaths(tree: Tree, path: string[] = [], out: string[][] = []): string[][] {
  if (Array.isArray(tree)) (tree as readonly Tree[]).forEach((item, i) => leafPaths(item, [...path, String(i)], out));
  else if (isObject(tree)) for (const key of Object.keys(tree)) leafPaths(tree[key]!, [...path, key], out);
  else out.push(path);
  return out;
}

function withLeaf(value: unknown, path: readonly string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return value.map((item, i) => (String(i) === head ? withLeaf(item, rest, leaf) : item));
  return { ...(value as Record<string, unknown>), [head]: withLeaf((value as Record<string, unknown>)[head], rest, leaf) };
}

const nodeAt = (tree: Tree, path: readonly string[]): Tree | undefined =>
  path.reduce<Tree | undefined>((node, segment) => (Array.isArray(node) ? (node as Tree[])[Number(segment)] : isObject(node) ? node[segment] : undefined), tree);

// Keys a decode keeps as written (no hostile key, none given twice), so that every document here is mapped.
const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype' && !k.includes('${'));
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !s.includes('${')),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { node: document } = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
}));
const top = fc.dictionary(key, document, { minKeys: 1, maxKeys: 6 });
const spacing = fc.constantFrom(undefined, 2, '\t');

describe('a JSON layer decoded from the edits of its text', () => {
  it('is the whole decode of the new text whenever leaves are rewritten in place, and is taken', async () => {
    await fc.assert(
      fc.asyncProperty(top, spacing, fc.array(fc.tuple(fc.nat(), scalar), { minLength: 1, maxLength: 5 }), async (value, space, edits) => {
        const text = JSON.stringify(value, null, space);
        const before = await mapped(text);
        expect(isMapped(before)).toBe(true);
        const paths = leafPaths(before).filter((path) => path.length > 0);
        fc.pre(paths.length > 0);
        let next: unknown = value;
        for (const [pick, leaf] of edits) next = withLeaf(next, paths[pick % paths.length]!, leaf);
        const edited = JSON.stringify(next, null, space);
        const patched = decodeEdits(before, edited, limits, undefined);
        const expected = await whole(edited, before);
        expect(patched).toBeDefined();
        expect(deepEqual(patched!.tree, expected.tree)).toBe(true);
        expect(Object.isFrozen(patched!.tree)).toBe(true);
        // What did not change is the previous layer's own, as interning keeps it.
        for (const path of paths) {
          const node = nodeAt(patched!.tree, path.slice(0, -1));
          if (deepEqual(node, nodeAt(before, path.slice(0, -1)))) expect(node).toBe(nodeAt(before, path.slice(0, -1)));
        }
        // And the new layer is mapped in turn: a second edit is taken from it.
        expect(isMapped(patched!.tree)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  // Any characters at all, and those a leaf is written with (most changes then fall inside one, and are taken).
  for (const [what, characters] of [
    ['any change', ['"', '\\', ',', ':', '{', '}', '[', ']', ' ', '\n', '1', 'e', '-', 'a', 't', 'n', '.']],
    ['a change of a leaf\'s characters', ['"', '\\', '0', '1', '9', 'e', 'E', '-', '+', '.', 'a', 'u', 'l', 'r', 't', 'f', 'n', 's']],
  ] as const) {
    it(`never gives a layer other than the whole decode of the text, whatever the text became (${what})`, async () => {
      const change = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4, unit: fc.constantFrom(...characters) }));
      let taken = 0;
      await fc.assert(
        fc.asyncProperty(top, spacing, fc.array(change, { minLength: 1, maxLength: 3 }), async (value, space, changes) => {
          const text = JSON.stringify(value, null, space);
          const before = await mapped(text);
          let edited = text;
          for (const [at, removed, inserted] of changes) {
            const offset = at % (edited.length + 1);
            edited = edited.slice(0, offset) + inserted + edited.slice(offset + removed);
          }
          const patched = decodeEdits(before, edited, limits, undefined);
          if (patched === undefined) return;
          taken++;
          const expected = await whole(edited, before);
          expect(expected.error).toBeUndefined();
          expect(deepEqual(patched.tree, expected.tree)).toBe(true);
        }),
        { numRuns: 2000 },
      );
      // The property says something only if edits were taken.
      expect(taken).toBeGreaterThan(40);
    });
  }

  it('takes values of every kind, escapes, and a value made longer or shorter before others', async () => {
    const text = JSON.stringify({ a: { port: 8080, list: [1, 'two', { three: true }] }, b: 'keep', c: null, d: 1.5 }, null, 2);
    const before = await mapped(text);
    const edited = text
      .replace('8080', '"eight \\"thousand\\" \\\\ \\n"')
      .replace('"two"', 'null')
      .replace('true', 'false')
      .replace('1.5', '-2e-3');
    const patched = decodeEdits(before, edited, limits, undefined);
    expect(patched?.tree).toEqual(JSON.parse(edited));
    // The offsets moved with the longer value: the leaves after it are found again in the next edit.
    const again = decodeEdits(patched!.tree, edited.replace('-2e-3', '7').replace('"keep"', '"kept"'), limits, undefined);
    expect(again?.tree).toEqual({ ...JSON.parse(edited), b: 'kept', d: 7 });
  });

  it('takes 64 edits of the leaves of one large object and of the nodes below it, leaving the previous layer as it was', async () => {
    const value = {
      wide: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i])),
      list: [1, { a: 'x', b: [true, false] }, 3],
      kept: { deep: { er: 'same' } },
    };
    const text = JSON.stringify(value, null, 1);
    const before = await mapped(text);
    let next: unknown = value;
    for (let i = 0; i < 60; i++) next = withLeaf(next, ['wide', `k${i * 10}`], `v${i}`);
    for (const [path, leaf] of [[['list', '0'], 'one'], [['list', '1', 'a'], null], [['list', '1', 'b', '1'], 7], [['list', '2'], -0]] as const) {
      next = withLeaf(next, path, leaf);
    }
    const edited = JSON.stringify(next, null, 1);
    const patched = decodeEdits(before, edited, limits, undefined);
    expect(patched).toBeDefined();
    expect(deepEqual(patched!.tree, (await whole(edited, before)).tree)).toBe(true);
    expect(deepEqual(before, JSON.parse(text) as Tree)).toBe(true);
    const tree = patched!.tree as TreeObject;
    expect(tree.kept).toBe((before as TreeObject).kept);
    for (const node of [tree, tree.wide, tree.list, (tree.list as Tree[])[1], ((tree.list as Tree[])[1] as TreeObject).b]) expect(Object.isFrozen(node)).toBe(true);
    expect(decodeEdits(tree, edited.replace('"v59"', '"w59"'), limits, undefined)?.tree).toMatchObject({ wide: { k590: 'w59', k591: 591 } });
  });

  it('keeps the previous layer itself when every edit writes the same value again', async () => {
    const before = await mapped('{"a": 1, "b": {"c": 10}}');
    const patched = decodeEdits(before, '{"a": 1.0, "b": {"c": 1e1}}', limits, undefined);
    expect(patched?.tree).toBe(before);
    // The text it maps is the new one now: the next edit is found against it.
    expect(decodeEdits(before, '{"a": 1.0, "b": {"c": 2e1}}', limits, undefined)?.tree).toEqual({ a: 1, b: { c: 20 } });
  });

  it('leaves to the whole decode a change of a key, a member added or removed, spacing, and a text that is not JSON', async () => {
    const text = '{"a": {"port": 8080}, "list": [1, 2], "s": "x"}';
    const before = await mapped(text);
    for (const edited of [
      '{"b": {"port": 8080}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": 8080}, "list": [1, 2, 3], "s": "x"}',
      '{"a": {"port": 8080}, "list": [12], "s": "x"}',
      '{"a": {"port": 8080}, "list": [1, 2], "s": "x", "t": 1}',
      '{"a": {"port": 8080},  "list": [1, 2], "s": "x"}',
      '{"a": {"port": 8080}, "list": [1, 2], "s": "x"}\n',
      '{"a": {"port": 80 80}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": 0x1F}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": "8080}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": {}}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": 1e999}, "list": [1, 2], "s": "x"}',
      '{"a": {"port": 8080}, "list": [1, 2], "s": "x\ny"}',
      '{"a": {"port": 8080}, "list": [1, 2], "s": "x", "s": "y"}',
    ]) {
      expect(decodeEdits(before, edited, limits, undefined), edited).toBeUndefined();
    }
  });

  it('leaves to the whole decode more than 64 leaves changed at once', async () => {
    const value = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i]));
    const before = await mapped(JSON.stringify(value));
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i + 100])));
    expect(decodeEdits(before, many, limits, undefined)).toBeUndefined();
    const some = JSON.stringify(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i < 64 ? i + 100 : i])));
    expect(decodeEdits(before, some, limits, undefined)).toBeDefined();
  });

  it('leaves to the whole decode a value that takes the layer over its size budget, which refuses it', async () => {
    const within = { ...limits, maxBytes: 40 };
    const text = '{"a": "short", "b": 1}';
    const before = await mapped(text, undefined, within);
    expect(decodeEdits(before, '{"a": "longer", "b": 1}', within, undefined)).toBeDefined();
    const over = `{"a": "${'x'.repeat(40)}", "b": 1}`;
    expect(decodeEdits(before, over, within, undefined)).toBeUndefined();
    expect((await whole(over, before, within)).error).toBeDefined();
    // Limits other than those it was mapped within: decoded whole.
    expect(decodeEdits(before, '{"a": "shirt", "b": 1}', { ...within, maxBytes: 41 }, undefined)).toBeUndefined();
    expect(decodeEdits(before, '{"a": "shirt", "b": 1}', { ...within, maxValues: 2 }, undefined)).toBeUndefined();
  });

  it('leaves to the whole decode a text decoded within a lower maxDepth than its map, which refuses it', async () => {
    const before = await mapped('{"a": {"b": {"c": 1}}}');
    const shallow = { ...limits, maxDepth: 2 };
    expect((await whole('{"a": {"b": {"c": 2}}}', before, shallow)).error).toMatchObject({ code: 'LIMIT' });
    expect(decodeEdits(before, '{"a": {"b": {"c": 2}}}', shallow, undefined)).toBeUndefined();
  });

  it('leaves to the whole decode a longer value that an array of empty strings after it is then refused for', async () => {
    // An array is refused on entry when it has more items than the budget has left, each taken to cost at least a
    // byte: an empty string costs nothing, so the layer may end within its budget and still be refused.
    const within = { ...limits, maxBytes: 10 };
    const before = await mapped('{"a": "xx", "b": ["", ""]}', undefined, within);
    expect(isMapped(before)).toBe(true);
    const longer = '{"a": "xxxx", "b": ["", ""]}';
    expect((await whole(longer, before, within)).error).toMatchObject({ code: 'LIMIT' });
    expect(decodeEdits(before, longer, within, undefined)).toBeUndefined();
    // A value no longer than it was is taken: every array is entered with as much left as before.
    expect(decodeEdits(before, '{"a": "yy", "b": ["", ""]}', within, undefined)?.tree).toEqual({ a: 'yy', b: ['', ''] });
    expect(decodeEdits(before, '{"a": "xx", "b": ["", "z"]}', within, undefined)).toBeUndefined();
  });

  it('never takes a text the whole decode refuses, within a budget that is nearly spent', async () => {
    // Arrays of short strings (empty ones cost nothing), budgets of what the first text takes and a little more.
    const short = fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'é') });
    const item = fc.oneof(short, fc.constant(''), fc.integer());
    const shape = fc.dictionary(fc.constantFrom('a', 'b', 'c', '0', '1'), fc.oneof(short, fc.array(item, { maxLength: 5 }), fc.dictionary(fc.constantFrom('x', 'y'), fc.array(item, { maxLength: 4 }))), { minKeys: 1 });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(shape, fc.nat({ max: 6 }), fc.array(fc.tuple(fc.nat(), short), { minLength: 1, maxLength: 3 }), async (value, slack, edits) => {
        const text = JSON.stringify(value);
        const report: DecodeReport = { values: 0 };
        await decodeText('json', text, limits, undefined, report);
        const within = { ...limits, maxBytes: limits.maxBytes - report.left! + slack };
        const first = await whole(text, undefined, within);
        fc.pre(first.tree !== undefined);
        const before = await mapped(text, undefined, within);
        const paths = leafPaths(before).filter((path) => typeof nodeAt(before, path) === 'string');
        fc.pre(paths.length > 0);
        let next: unknown = value;
        for (const [pick, leaf] of edits) next = withLeaf(next, paths[pick % paths.length]!, leaf);
        const edited = JSON.stringify(next);
        const patched = decodeEdits(before, edited, within, undefined);
        const expected = await whole(edited, before, within);
        if (patched === undefined) return;
        taken++;
        expect(expected.error).toBeUndefined();
        expect(deepEqual(patched.tree, expected.tree)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    expect(taken).toBeGreaterThan(100);
  });

  it('maps no text whose tree is not its parse as written, nor one ${VAR} is expanded in', async () => {
    for (const text of ['{"a": 1, "a": 2}', '{"__proto__": {"x": 1}, "b": 1}', '{"a": {"constructor": 1}}', '[1, 2]']) {
      const tree = await mapped(text);
      expect(isMapped(tree), text).toBe(false);
    }
    const env = { HOST: 'db' };
    expect(isMapped(await mapped('{"host": "${HOST}", "port": 1}', undefined, limits, env))).toBe(false);
    expect(isMapped(await mapped('{"host": "\\u0024{HOST}", "port": 1}', undefined, limits, env))).toBe(false);
    // Nor one said to hold fewer values than it does (its map is allocated at that size).
    const text = '{"a": [1, 2], "b": {"c": "d"}}';
    const report: DecodeReport = { values: 0 };
    const tree = await decodeText('json', text, limits, undefined, report, undefined, true);
    mapJsonText(tree, text, { values: report.values - 1, left: report.left! }, limits, undefined);
    expect(isMapped(tree)).toBe(false);
    mapJsonText(tree, text, { values: report.values, left: report.left! }, limits, undefined);
    expect(isMapped(tree)).toBe(true);
    // With no environment to expand from, such a text is read as written: mapped.
    expect(isMapped(await mapped('{"host": "${HOST}", "port": 1}'))).toBe(true);
    // A variable written into a mapped text by an edit is expanded: decoded whole.
    const before = await mapped('{"host": "db", "port": 1}', undefined, limits, env);
    expect(decodeEdits(before, '{"host": "${HOST}", "port": 1}', limits, env)).toBeUndefined();
  });

  it('expands ${VAR} as the whole decode does in a text mapped with no environment and decoded with one', async () => {
    const env = { HOST: 'db' };
    for (const text of ['{"host": "${HOST}", "port": 1}', '{"host": "\\u0024{HOST}", "port": 1}']) {
      const before = await mapped(text);
      expect(isMapped(before), text).toBe(true);
      const edited = text.replace('1', '2');
      const expected = await decodeText('json', edited, limits, env, undefined, before, true);
      expect(expected).toEqual({ host: 'db', port: 2 });
      expect(decodeEdits(before, edited, limits, env)?.tree ?? expected).toEqual(expected);
    }
    // A variable an edit wrote with no environment is in the text mapped from then on.
    const plain = await mapped('{"a": "x", "b": 1}');
    const carried = decodeEdits(plain, '{"a": "${HOST}", "b": 1}', limits, undefined)!.tree;
    expect(carried).toEqual({ a: '${HOST}', b: 1 });
    const edited = '{"a": "${HOST}", "b": 2}';
    expect(decodeEdits(carried, edited, limits, env)?.tree ?? 'whole').toBe('whole');
    expect(decodeEdits(carried, edited, limits, undefined)?.tree).toEqual({ a: '${HOST}', b: 2 });
    // The loader: a source of one's own may say of one change set that it is literal (createChangeSet's `expand`),
    // and not of the next.
    const options = { limits, env, mapsText: true };
    const first = await decodeLayer(createChangeSet('mine', 'json', '{"host": "${HOST}", "port": 1}', 0, undefined, false), options);
    await new Promise((resolve) => setImmediate(resolve));
    const next = await decodeLayer(createChangeSet('mine', 'json', '{"host": "${HOST}", "port": 2}'), options, first.tree);
    expect(next.tree).toEqual({ host: 'db', port: 2 });
  });

  it('is what the loader decodes a watched JSON source with, once its first layer is mapped', async () => {
    const options = { limits, env: undefined, mapsText: true };
    const first = await decodeLayer(createChangeSet('file:a.json', 'json', '\ufeff{"a": {"b": 1}, "c": [1]}'), options);
    expect(isMapped(first.tree)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(isMapped(first.tree)).toBe(true);
    const next = await decodeLayer(createChangeSet('file:a.json', 'json', '\ufeff{"a": {"b": 2}, "c": [1]}'), options, first.tree);
    expect(next.tree).toEqual({ a: { b: 2 }, c: [1] });
    expect((next.tree as TreeObject).c).toBe((first.tree as TreeObject).c);
    // Decoded from its edits: mapped at once, not on the next turn.
    expect(isMapped(next.tree)).toBe(true);
    // A source that is not watched has nothing mapped.
    const still = await decodeLayer(createChangeSet('file:b.json', 'json', '{"a": 1}'), { limits, env: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(isMapped(still.tree)).toBe(false);
  });

  it('maps no text once the config closed, nor one whose layer is decrypted (its tree is never decoded against)', async () => {
    const stop = new AbortController();
    const closing = await decodeLayer(createChangeSet('file:a.json', 'json', '{"a": 1}'), { limits, env: undefined, mapsText: true, signal: stop.signal });
    stop.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(isMapped(closing.tree)).toBe(false);
    // A layer whose values are decrypted is decoded with no previous layer: a map of it would never be read.
    const source: Source = { name: 'file:a.json', read: () => Promise.resolve(createChangeSet('file:a.json', 'json', '{"a": 1}')), watch: async function* () {} };
    const entry = createEntry(source);
    const options = { limits, env: undefined, decrypt: secretbox({ key: generateKey() }) };
    const candidate = await prepareCandidate(entry, nextTicket(entry), createChangeSet('file:a.json', 'json', '{"a": 1}'), options);
    await new Promise((resolve) => setImmediate(resolve));
    expect(candidate?.layer.tree).toEqual({ a: 1 });
    expect(isMapped(candidate!.layer.tree)).toBe(false);
  });
});
