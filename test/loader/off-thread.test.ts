import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { createConfig } from '../../src/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { decodeText } from '../../src/loader/decode-text.ts';
import { createChangeSet } from '../../src/sources/source.ts';
import { decodeOffThread } from '../../src/loader/off-thread.ts';
import { APART_FROM, createTreeBuilder, treeChunks, type ChunkOp, type ChunkText } from '../../src/loader/tree-chunks.ts';
import type { Tree } from '../../src/reader/tree.ts';

const MiB = 1024 * 1024;

/** True for a chunk's text as the thread sends it (its ops, a list of lists, of a bounded length), not a document's. */
const isChunkText = (text: unknown): boolean => typeof text === 'string' && text.startsWith('[[') && text.length <= 2 * 64 * 1024;
const limits = { maxBytes: 16 * MiB, maxDepth: 64 };

/** The tree rebuilt from its chunks, each cloned as a message between threads is, and how many chunks it took. */
function roundTrip(tree: Tree, chunkSize: number): { tree: Tree; chunks: ChunkOp[][] } {
  const builder = createTreeBuilder();
  const chunks = [...treeChunks(tree, chunkSize)];
  for (const ops of chunks) builder.apply(structuredClone(ops));
  return { tree: builder.tree, chunks };
}

describe('tree chunks', () => {
  const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
  const tree = fc.letrec((of) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, of('array'), of('object')),
    array: fc.array(of('node'), { maxLength: 6 }),
    object: fc.dictionary(fc.string().filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key)), of('node'), { maxKeys: 6 }),
  })).object;

  it('rebuild any tree as it was, keys in their order, whatever the chunk size', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 200 }), (original, chunkSize) => {
        const rebuilt = roundTrip(original as Tree, chunkSize).tree;
        expect(rebuilt).toEqual(original);
        expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(original));
      }),
      { numRuns: 1000 },
    );
  });

  it('say which chunks come back from their JSON text as they are, and those do: none holding -0, NaN or an infinity', () => {
    const inexact = (value: unknown): boolean =>
      typeof value === 'number'
        ? Object.is(value, -0) || !Number.isFinite(value)
        : typeof value === 'object' && value !== null && Object.values(value).some(inexact);
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 200 }), (original, chunkSize) => {
        const builder = createTreeBuilder();
        const text: ChunkText = { exact: false };
        for (const ops of treeChunks(original as Tree, chunkSize, undefined, text)) {
          if (inexact(ops)) expect(text.exact).toBe(false);
          // Every chunk of a tree without such a number goes as text.
          if (!inexact(original)) expect(text.exact).toBe(true);
          builder.apply(text.exact ? (JSON.parse(JSON.stringify(ops)) as ChunkOp[]) : structuredClone(ops));
        }
        expect(builder.tree).toEqual(original);
        expect(JSON.stringify(builder.tree)).toBe(JSON.stringify(original));
      }),
      { numRuns: 1000 },
    );
  });

  it('cut a large object and a large array into chunks of about the chunk size', () => {
    const flat = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const large = { flat, list: Array.from({ length: 10_000 }, (_, i) => [i, -0, Number.NaN, Infinity]) };
    const { tree: rebuilt, chunks } = roundTrip(large, 4096);
    expect(rebuilt).toStrictEqual(large);
    expect(Object.keys((rebuilt as typeof large).flat)).toEqual(Object.keys(flat));
    expect(chunks.length).toBeGreaterThan(100);
    for (const ops of chunks) expect(JSON.stringify(ops).length).toBeLessThan(4096 * 2);
  });

  it('count long keys toward the chunk size, as their values are', () => {
    const key = (i: number) => `${'k'.repeat(1000)}${i}`;
    const large = {
      leaves: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [key(i), i])),
      objects: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [key(i), { list: Array.from({ length: 600 }, () => 0) }])),
    };
    const { tree: rebuilt, chunks } = roundTrip(large, 4096);
    expect(rebuilt).toStrictEqual(large);
    for (const ops of chunks) expect(JSON.stringify(ops).length).toBeLessThan(4096 * 2);
  });

  it('send apart, in order, each string of a MiB or more, its place held in the chunks until it is filled in', () => {
    const long = (char: string) => char.repeat(APART_FROM);
    const tree = { a: 1, b: long('é'), c: [0, long('x'), `\uD800${long('y')}`, 3], d: 'z', constructor: long('w') };
    const apart: string[] = [];
    const builder = createTreeBuilder();
    for (const ops of treeChunks(tree as unknown as Tree, 4096, (text) => apart.push(text))) builder.apply(structuredClone(ops));
    expect(apart.map((text) => text.length)).toEqual([APART_FROM, APART_FROM, APART_FROM + 1, APART_FROM]);
    expect(builder.apart).toBe(4);
    builder.fill(() => apart.shift()!);
    // A hostile key's string is taken and dropped; the others are in their places, keys in their order.
    const { constructor: _dropped, ...kept } = tree;
    expect(builder.tree).toStrictEqual(kept);
    expect(Object.keys(builder.tree as object)).toEqual(['a', 'b', 'c', 'd']);
    expect(apart).toEqual([]);
    expect(builder.apart).toBe(0);
  });

  it('hand a small tree, or a scalar, over in one chunk', () => {
    expect(roundTrip({ a: [1, { b: 'c' }] }, 4096).chunks).toHaveLength(1);
    expect(roundTrip('text', 1)).toEqual({ tree: 'text', chunks: [[['text']]] });
  });

  it('never put a hostile key on a rebuilt object', () => {
    const builder = createTreeBuilder();
    const fragment = JSON.parse('["__proto__", {"polluted": 1}, "a", 1, "constructor", 2]') as Tree[];
    builder.apply([[-1, '', 0, false], [0, fragment], [0, 'constructor', 1, false]]);
    expect(builder.tree).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(builder.tree)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/**
 * Writes `text` over `bytes` right after a document is posted to a decoding thread (when `now()` says so): the thread
 * has its copy, and its answer is not taken in yet. A source refilling its buffer after `read()` could do the same.
 */
function refillAfterPost(bytes: Buffer, text: string, now: () => boolean) {
  const post = Worker.prototype.postMessage;
  return vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, message: unknown, transfer) {
    post.call(this, message, transfer);
    if ((message as { type: string }).type === 'decode' && now()) bytes.write(text);
  });
}

describe('decodeOffThread', () => {
  it('decodes every built-in format on the thread, expanding ${VAR} from the environment given', { timeout: 60_000 }, async () => {
    const cases: [string, string][] = [
      ['json', '{"a": {"b": "${X}"}}'],
      ['yaml', 'a:\n  b: ${X}\n'],
      ['toml', '[a]\nb = "${X}"\n'],
      ['dotenv', 'A_B=${X}\n'],
      ['json5', "{a: {b: '${X}'}}"],
    ];
    for (const [format, text] of cases) {
      expect(await decodeOffThread(format, new TextEncoder().encode(text), limits, { X: 'x' })).toEqual({ a: { b: 'x' } });
    }
  });

  it('hands back a decoder error with its line and column, and any other failure as a ConfigError', { timeout: 60_000 }, async () => {
    const decoded = await decodeOffThread('yaml', 'a: 1\nb: [secret\n', limits, undefined).catch((error: unknown) => error);
    expect(decoded).toBeInstanceOf(ConfigError);
    expect(decoded).toMatchObject({ code: 'DECODE', line: 2, column: 4 }); // the bracket never closed
    expect(String(decoded)).not.toContain('secret');
    await expect(decodeOffThread('ini', 'a=1', limits, undefined)).rejects.toMatchObject({ code: 'FORMAT' });
    await expect(decodeOffThread('json', `{"a":[${'[],'.repeat(20)}1]}`, { ...limits, maxValues: 10 }, undefined)).rejects.toMatchObject({
      code: 'LIMIT',
    });
  });

  it('decodes a text starting with byte-order marks as the event loop does, the first one dropped, the next refused in JSON', { timeout: 60_000 }, async () => {
    // The text travels as UTF-8: decoding it on the thread must not drop a mark that documentBody drops again.
    const body = `{"a": "${'x'.repeat(16)}"}`;
    expect(await decodeOffThread('json', `\uFEFF${body}`, limits, undefined)).toEqual(JSON.parse(body));
    const twice = `\uFEFF\uFEFF${body}`;
    const onLoop = await decodeText('json', twice, limits, undefined).catch((error: unknown) => error);
    expect(onLoop).toMatchObject({ code: 'DECODE', line: 1, column: 1 });
    const onThread = await decodeOffThread('json', twice, limits, undefined).catch((error: unknown) => error);
    expect(onThread).toBeInstanceOf(ConfigError);
    expect(onThread).toMatchObject({ code: 'DECODE', line: 1, column: 1, detail: (onLoop as ConfigError).detail });
    expect(await decodeOffThread('yaml', `\uFEFF\uFEFFa: 1`, limits, undefined)).toEqual({ a: 1 });
  });

  it('drops one leading byte-order mark of a document, whether it comes as text or as bytes, small or large', { timeout: 60_000 }, async () => {
    const options = { limits, env: undefined };
    for (const pad of [16, MiB]) {
      const body = `{"a": "${'x'.repeat(pad)}"}`;
      for (const marks of ['\uFEFF', '\uFEFF\uFEFF']) {
        const verdicts = await Promise.all(
          [marks + body, Buffer.from(marks + body)].map((data) =>
            decodeChangeSet(createChangeSet('doc', 'json', data), options).then(
              (tree) => (tree as { a: string }).a.length,
              (error: ConfigError) => `${error.code} ${error.line}:${error.column}`,
            ),
          ),
        );
        expect(verdicts).toEqual(marks.length === 1 ? [pad, pad] : ['DECODE 1:1', 'DECODE 1:1']);
      }
    }
  });

  it('stops a decode that takes too long, refusing the document, and decodes the next on a new thread', { timeout: 120_000 }, async () => {
    const slow = Array.from({ length: 50_000 }, (_, i) => `key${i}: [${i}, {a: ${i}}]`).join('\n');
    await expect(decodeOffThread('yaml', slow, limits, undefined, 1)).rejects.toMatchObject({ code: 'LIMIT' });
    expect(await decodeOffThread('yaml', 'a: 1', limits, undefined)).toEqual({ a: 1 });
  });

  it('decodes JSON on the thread as the event loop does, and never parses its text there: a hostile key dropped, ${VAR} expanded', { timeout: 60_000 }, async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const plain = '\uFEFF{"a": {"b": [1, "x", null]}, "c": "${X"}';
      expect(await decodeOffThread('json', new TextEncoder().encode(plain), limits, { X: 'x' })).toEqual({ a: { b: [1, 'x', null] }, c: '${X' });
      const rewritten = await decodeOffThread('json', '{"a": {"__proto__": {"polluted": 1}, "b": "${X}"}}', limits, { X: 'x' });
      expect(rewritten).toEqual({ a: { b: 'x' } });
      expect(Object.getPrototypeOf((rewritten as { a: object }).a)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const many = `{"a":[${Array.from({ length: 160_000 }, (_, i) => i % 10).join(',')}]}`;
      const large = (await decodeOffThread('json', many, { ...limits, maxValues: 200_000 }, undefined)) as { a: number[] };
      expect(large.a).toHaveLength(160_000);
      expect(large.a[159_999]).toBe(9);
      // What the event loop parses is a chunk's text, made on the thread from the tree, never the document's.
      expect(parse.mock.calls.length).toBeGreaterThan(2);
      for (const [text] of parse.mock.calls) expect(isChunkText(text)).toBe(true);
    } finally {
      parse.mockRestore();
    }
  });

  it('keeps -0, NaN, the infinities and a lone surrogate of a document decoded on the thread, in chunks of any kind', { timeout: 60_000 }, async () => {
    const list = Array.from({ length: 160_000 }, (_, i) => i % 10).join(',');
    const json = (await decodeOffThread('json', `{"z":-0,"a":[${list}],"y":-0,"s":"\\ud800x"}`, { ...limits, maxValues: 200_000 }, undefined)) as Record<string, unknown>;
    expect(Object.is(json.z, -0) && Object.is(json.y, -0)).toBe(true);
    expect(json.s).toBe('\uD800x');
    expect((json.a as number[])[159_999]).toBe(9);
    const yaml = (await decodeOffThread('yaml', `a: .nan\nb: -.inf\nl: [${list}]\nc: -0.0\n`, { ...limits, maxValues: 200_000 }, undefined)) as Record<string, unknown>;
    expect(yaml.a).toBeNaN();
    expect(yaml.b).toBe(-Infinity);
    expect(Object.is(yaml.c, -0)).toBe(true);
    expect((yaml.l as number[])[159_999]).toBe(9);
  });

  it('decodes a JSON document whose keys repeat to the last value of each', { timeout: 60_000 }, async () => {
    const repeated = `{${Array.from({ length: 10_000 }, (_, i) => `"a":{"b":[1,2,${i}]}`).join(',')}}`;
    expect(await decodeOffThread('json', repeated, limits, undefined)).toEqual({ a: { b: [1, 2, 9999] } });
    expect(await decodeOffThread('json', '{"a":{"b":1},"a":{"b":2}}', limits, undefined)).toEqual({ a: { b: 2 } });
  });

  it("decodes the bytes as they were when handed over, not the caller's buffer refilled after the call", { timeout: 60_000 }, async () => {
    const original = `{"a": {"b": "${'x'.repeat(1000)}"}}`;
    // The same length: what a source refilling its buffer in place would leave there.
    const hostile = `{"a": {"__proto__": {"polluted": 1}, "b": "\${SECRET}"}}`.padEnd(original.length, ' ');
    const bytes = Buffer.from(original);
    const post = refillAfterPost(bytes, hostile, () => true);
    try {
      const tree = await decodeOffThread('json', bytes, limits, { SECRET: 'hunter2' });
      expect(bytes.toString()).toBe(hostile);
      expect(tree).toEqual({ a: { b: 'x'.repeat(1000) } });
      expect(Object.getPrototypeOf((tree as { a: object }).a)).toBe(Object.prototype);
    } finally {
      post.mockRestore();
    }
  });

  it('moves bytes handed over to the thread when their buffer is theirs alone, and copies any others', { timeout: 60_000 }, async () => {
    const text = `a: ${'x'.repeat(300 * 1024)}`;
    /** The text's bytes in a buffer of their own with `spare` bytes past them, as a file's read leaves one. */
    const own = (spare: number) => {
      const buffer = Buffer.allocUnsafe(Buffer.byteLength(text) + spare);
      buffer.write(text);
      return buffer.subarray(0, Buffer.byteLength(text));
    };
    // Taken: moved, its view left empty; YAML's missing line break is written in the byte past the end.
    const taken = own(1);
    expect(await decodeOffThread('yaml', taken, limits, undefined, undefined, true)).toEqual({ a: 'x'.repeat(300 * 1024) });
    expect(taken.byteLength).toBe(0);
    // No byte past the end for the line break, a buffer shared with more, or not handed over: copied, left as they were.
    const tight = own(0);
    const shared = own(64);
    const kept = own(1);
    for (const [bytes, take] of [[tight, true], [shared, true], [kept, false]] as const) {
      expect(await decodeOffThread('yaml', bytes, limits, undefined, undefined, take)).toEqual({ a: 'x'.repeat(300 * 1024) });
      expect(bytes.toString()).toBe(text);
    }
    // JSON needs no line break: a buffer exactly its size is taken too.
    const json = Buffer.from(JSON.stringify({ a: 'y'.repeat(1024 * 1024) }));
    expect(json.buffer.byteLength).toBe(json.byteLength);
    expect(await decodeOffThread('json', json, limits, undefined, undefined, true)).toEqual({ a: 'y'.repeat(1024 * 1024) });
    expect(json.byteLength).toBe(0);
  });

  it('publishes the layer the thread validated when a source refills its buffer after read() returned', { timeout: 60_000 }, async () => {
    // Large enough to decode on the thread: a mebibyte of JSON.
    const original = JSON.stringify({ a: { b: 1 }, pad: 'x'.repeat(1024 * 1024) });
    const hostile = `{"a": {"constructor": {"prototype": {"polluted": 1}}, "__proto__": {"isAdmin": true}, "b": "\${SECRET}"}}`.padEnd(original.length, ' ');
    const bytes = Buffer.from(original);
    let refill = false;
    const source = {
      name: 'refilling',
      read: () => {
        refill = true;
        return Promise.resolve({ data: bytes, format: 'json', checksum: 'c', source: 'refilling', timestamp: Date.now() });
      },
    };
    const post = refillAfterPost(bytes, hostile, () => refill);
    try {
      const config = await createConfig({ sources: [source], defaults: { a: { c: 2 } }, env: { SECRET: 'hunter2' } });
      expect(bytes.toString()).toBe(hostile);
      expect(config.get('a').value()).toEqual({ b: 1, c: 2 });
      expect(config.get('a.isAdmin').exists()).toBe(false);
      expect(Object.getPrototypeOf(config.get('a').value())).toBe(Object.prototype);
      expect(config.get('pad').string('')).toHaveLength(1024 * 1024);
      await config.close();
    } finally {
      post.mockRestore();
    }
  });

  it('decodes two documents at once: a slow one does not hold up the next, and a third waits its turn', { timeout: 120_000 }, async () => {
    // YAML of 20,000 keys: a second or more of the parser's time, against milliseconds for a small document.
    const slow = (salt: number) => Array.from({ length: 20_000 }, (_, i) => `key${i}: [${i + salt}, {a: ${i}}]`).join('\n');
    const wide = { ...limits, maxValues: 200_000 };
    const done: string[] = [];
    const track = (name: string, decoding: Promise<Tree>) => decoding.then((tree) => (done.push(name), tree));
    const first = track('slow 1', decodeOffThread('yaml', slow(1), wide, undefined));
    const second = track('slow 2', decodeOffThread('yaml', slow(2), wide, undefined));
    const small = track('small', decodeOffThread('json', '{"a": 1}', limits, undefined));
    const [one, two, three] = await Promise.all([first, second, small]);
    expect((one as Record<string, unknown>).key19999).toEqual([20_000, { a: 19_999 }]);
    expect((two as Record<string, unknown>).key19999).toEqual([20_001, { a: 19_999 }]);
    expect(three).toEqual({ a: 1 });
    // The small document waited for a thread: both were busy, so it ends after a slow one. Whether it also ends
    // before the other slow one is a race between two decodes of the same size, not a verdict (next, a small document
    // beside a slow one started alone).
    expect(done.indexOf('small')).toBeGreaterThanOrEqual(1);
    const side = track('side', decodeOffThread('yaml', slow(3), wide, undefined));
    const next = track('next', decodeOffThread('json', '{"b": 2}', limits, undefined));
    expect(await next).toEqual({ b: 2 });
    expect(done.at(-1)).toBe('next');
    await side;
  });

  it('ends a decode whose signal aborts: one decoding fails once its thread is stopped, one waiting leaves the queue', { timeout: 120_000 }, async () => {
    const slow = (salt: number) => Array.from({ length: 20_000 }, (_, i) => `key${i}: [${i + salt}, {a: ${i}}]`).join('\n');
    const wide = { ...limits, maxValues: 200_000 };
    const stopping = new AbortController();
    const outcome = (decoding: Promise<Tree>) => decoding.then(
      () => 'decoded',
      (error: ConfigError) => error.code,
    );
    const ended: string[] = [];
    // Aborted as the first document is handed to its thread, in that turn: its decode is under way.
    const post = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      post.apply(this, args);
      if ((args[0] as { type?: string }).type === 'decode') stopping.abort();
    });
    const running = outcome(decodeOffThread('yaml', slow(1), wide, undefined, undefined, false, stopping.signal)).then((code) => (ended.push('running'), code));
    const other = outcome(decodeOffThread('yaml', slow(2), wide, undefined)).then((code) => (ended.push('other'), code));
    // Both threads are busy: this one waits.
    const queued = outcome(decodeOffThread('json', '{"a": 1}', limits, undefined, undefined, false, stopping.signal)).then((code) => (ended.push('queued'), code));
    const codes = await Promise.all([running, queued, other]);
    spy.mockRestore();
    expect(codes).toEqual(['CLOSED', 'CLOSED', 'decoded']);
    // Neither waited for the decode that was not ended.
    expect(ended.at(-1)).toBe('other');
    // Asked with a signal already aborted: nothing is decoded.
    expect(await outcome(decodeOffThread('json', '{"a": 1}', limits, undefined, undefined, false, stopping.signal))).toBe('CLOSED');
    // The lane of the ended decode decodes the next document on a new thread.
    expect(await decodeOffThread('yaml', 'b: 2\n', limits, undefined)).toEqual({ b: 2 });
  });

  it('starts the thread of each document with memory limits sized from the document, replacing a thread whose limits differ', { timeout: 120_000 }, async () => {
    // What each thread was started with, read from the thread itself when a document is posted to it.
    const given: { worker: Worker; limits: Worker['resourceLimits'] }[] = [];
    const post = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, message: unknown, transfer) {
      if ((message as { type: string }).type === 'decode') given.push({ worker: this, limits: this.resourceLimits });
      post.call(this, message, transfer);
    });
    const large = JSON.stringify({ a: 'x'.repeat(14 * MiB) });
    try {
      expect(await decodeOffThread('json', '{"a": 1}', limits, undefined)).toEqual({ a: 1 });
      expect(((await decodeOffThread('json', large, limits, undefined)) as { a: string }).a).toHaveLength(14 * MiB);
      expect(await decodeOffThread('yaml', 'a: 1', limits, undefined)).toEqual({ a: 1 });
    } finally {
      spy.mockRestore();
    }
    const [small, big, next] = given;
    // A small document: the floor, 64 MiB of heap and 4 of young generation, not the 2 GiB of a shared thread.
    expect(small!.limits).toMatchObject({ maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 });
    // 14 MiB: five times its size in heap, on a thread started for it.
    expect(big!.limits).toMatchObject({ maxOldGenerationSizeMb: Math.ceil((5 * Buffer.byteLength(large)) / MiB), maxYoungGenerationSizeMb: 4 });
    expect(big!.worker).not.toBe(small!.worker);
    // The next small document does not inherit the large one's allowance: its thread is started again with the floor.
    expect(next!.limits).toMatchObject({ maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 });
    expect(next!.worker).not.toBe(big!.worker);
    expect(given).toHaveLength(3);
  });

  it('stops a thread started for a document above the heap floor once it is decoded; keeps a thread at the floor', { timeout: 120_000 }, async () => {
    const posted: Worker[] = [];
    const exited: Worker[] = [];
    const post = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, message: unknown, transfer) {
      if ((message as { type: string }).type === 'decode') {
        posted.push(this);
        this.once('exit', () => exited.push(this));
      }
      post.call(this, message, transfer);
    });
    // 14 MiB: a heap of five times its size, above the 64 MiB floor. Each is decoded on a thread of its own, gone
    // once its tree is taken in, with what its decode left there.
    const large = (salt: number) => JSON.stringify({ a: String(salt).repeat(14 * MiB) });
    try {
      for (const salt of [1, 2]) expect(((await decodeOffThread('json', large(salt), limits, undefined)) as { a: string }).a).toHaveLength(14 * MiB);
      expect(exited).toEqual(posted);
      expect(((await decodeOffThread('yaml', `a: ${'3'.repeat(14 * MiB)}x`, limits, undefined)) as { a: string }).a).toHaveLength(14 * MiB + 1);
      await vi.waitFor(() => expect(exited).toHaveLength(3), { timeout: 60_000 });
      // Small documents share a thread, which stays.
      expect(await decodeOffThread('yaml', 'a: 1', limits, undefined)).toEqual({ a: 1 });
      expect(await decodeOffThread('yaml', 'b: 2', limits, undefined)).toEqual({ b: 2 });
    } finally {
      spy.mockRestore();
    }
    expect(posted).toHaveLength(5);
    expect(new Set(posted).size).toBe(4);
    expect(posted[4]).toBe(posted[3]);
    expect(exited).toHaveLength(3);
  });

  it('gives each of many documents asked for in one turn its own tree', { timeout: 60_000 }, async () => {
    const trees = await Promise.all(Array.from({ length: 6 }, (_, i) => decodeOffThread(i % 2 ? 'yaml' : 'json', i % 2 ? `n: ${i}` : `{"n": ${i}}`, limits, undefined)));
    expect(trees).toEqual(Array.from({ length: 6 }, (_, i) => ({ n: i })));
  });
});
