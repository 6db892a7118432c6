import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseIni } from 'ini';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, configDirSources, createConfig, fileSource, memorySource, type Config, type Encoder } from '../../src/index.ts';
import { kvTree } from '../../src/sources/kv.ts';
import { nextError } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { storeBackends, useStores } from '../helpers/stores.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

// The README's example.
const iniEncoder: Encoder = {
  decode: (bytes) => parseIni(new TextDecoder().decode(bytes)),
  extensions: ['cfg'],
};

/** A format of a few lines: `key=value` per line, keys dotted. */
const linesEncoder: Encoder = {
  decode(bytes) {
    const out: Record<string, string> = {};
    for (const line of new TextDecoder().decode(bytes).split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return out;
  },
};

/** An encoder returning whatever is given, ignoring the document. */
function returning(value: unknown): Encoder {
  return { decode: () => value };
}

/** An encoder throwing whatever is given. */
function throwing(error: unknown): Encoder {
  return {
    decode() {
      throw error;
    },
  };
}

const SECRET = 'hunter2-s3cret';

async function config(options: Parameters<typeof createConfig>[0]): Promise<Config> {
  const made = await createConfig(options);
  open.push(made);
  return made;
}

/** The ConfigError a config's creation rejects with. */
async function refusal(options: Parameters<typeof createConfig>[0]): Promise<ConfigError> {
  const error = await createConfig(options).then(
    (made) => {
      open.push(made);
      throw new Error('createConfig resolved');
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

/** What a memory document decoded by `encoder` fails with. */
function decodeFailure(encoder: Encoder, text = 'a=1', extra: Parameters<typeof createConfig>[0] = {}): Promise<ConfigError> {
  return refusal({ ...extra, encoders: { odd: encoder }, sources: [memorySource(text, { name: 'doc', format: 'odd' })] });
}

/** Every printed form of an error, its cause's included. */
function printed(error: ConfigError): string {
  return [error.message, String(error.stack), JSON.stringify(error), String(error.cause ?? ''), JSON.stringify(error.issues ?? [])].join('\n');
}

describe('createConfig({ encoders })', () => {
  it('decodes files by the encoder name and its extensions, case-insensitively (an INI format with the ini package)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'app.INI'), '[db]\nhost = db.local\nport = 5432\n');
    await writeFile(join(dir, 'extra.cfg'), 'debug = true\n');
    await writeFile(join(dir, 'other.conf'), '[cache]\nttl = 5s\n');
    const made = await config({
      encoders: { Ini: iniEncoder },
      sources: [fileSource(join(dir, 'app.INI')), fileSource(join(dir, 'extra.cfg')), fileSource({ path: join(dir, 'other.conf'), format: 'INI' })],
    });
    expect(made.map()).toEqual({ db: { host: 'db.local', port: '5432' }, debug: true, cache: { ttl: '5s' } });
    expect(made.get('db.port').int(0)).toBe(5432);
    expect(made.explain('debug').source).toBe(`file:${join(dir, 'extra.cfg')}`);
  });

  it('decodes memory documents by format name, with ${VAR} expanded as in any document', async () => {
    const made = await config({
      encoders: { lines: linesEncoder },
      env: { HOST: 'db.local' },
      sources: [memorySource('host = ${HOST}\nport = 1', { format: 'lines' })],
    });
    expect(made.map()).toEqual({ host: 'db.local', port: '1' });
  });

  it('replaces a built-in format by its name, for all its extensions; other formats stay built-in', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yml'), 'a=1\n');
    await writeFile(join(dir, 'b.json'), '{"b": 2}');
    const made = await config({ encoders: { YAML: linesEncoder }, sources: [fileSource(join(dir, 'a.yml')), fileSource(join(dir, 'b.json'))] });
    expect(made.map()).toEqual({ a: '1', b: 2 });
  });

  it("lets a source's own encoders win over the config's, which win over the built-in formats", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.json'), '{"a": 1}');
    const own = returning({ from: 'source' });
    const configs = returning({ from: 'config' });
    const sourceWins = await config({ encoders: { json: configs }, sources: [fileSource({ path: join(dir, 'a.json'), encoders: { json: own } })] });
    expect(sourceWins.map()).toEqual({ from: 'source' });
    // An extension a source's own encoder lists wins over the config's encoder of that name.
    const extensionWins = await config({
      encoders: { cfg: configs },
      sources: [memorySource('x', { format: 'cfg', encoders: { mine: { ...own, extensions: ['.CFG'] } } })],
    });
    expect(extensionWins.map()).toEqual({ from: 'source' });
    const configWins = await config({ encoders: { json: configs }, sources: [fileSource(join(dir, 'a.json'))] });
    expect(configWins.map()).toEqual({ from: 'config' });
  });

  it('hands decode a copy of the exact bytes (no text decoding, byte order mark kept) and the limits', async () => {
    const seen: { bytes: number[]; limits: unknown }[] = [];
    const dir = await tempDir();
    await writeFile(join(dir, 'x.bin'), Buffer.from([0xef, 0xbb, 0xbf, 0xff, 0x00, 0x41]));
    const recording: Encoder = {
      decode(bytes, limits) {
        seen.push({ bytes: [...bytes], limits });
        bytes.fill(0);
        return { ok: true };
      },
    };
    const made = await config({ encoders: { bin: recording }, maxDepth: 9, maxBytes: 1000, sources: [fileSource(join(dir, 'x.bin'))] });
    expect(seen).toEqual([{ bytes: [0xef, 0xbb, 0xbf, 0xff, 0x00, 0x41], limits: { maxBytes: 1000, maxDepth: 9 } }]);
    // The copy was zeroed, not the source's bytes: a re-read of the same file is still the same data.
    await made.sync();
    expect(seen[1]!.bytes).toEqual(seen[0]!.bytes);
  });

  it('keeps the this of a class instance encoder, and treats a blank document as an empty layer without calling decode', async () => {
    class Counter implements Encoder {
      calls = 0;
      decode(): unknown {
        this.calls++;
        return { calls: this.calls };
      }
    }
    const counter = new Counter();
    const made = await config({ encoders: { count: counter }, defaults: { d: 1 }, sources: [memorySource(' \n\t', { format: 'count' }), memorySource('x', { format: 'count' })] });
    expect(made.map()).toEqual({ d: 1, calls: 1 });
    expect(counter.calls).toBe(1);
  });
});

describe('refused encoders options', () => {
  it.each([
    ['not an object', 'ini', /expected an object of encoders/],
    ['an array', [iniEncoder], /expected an object of encoders/],
    ['an encoder without decode', { ini: {} }, /"ini" has no decode/],
    ['a null encoder', { ini: null }, /"ini" has no decode/],
    ['extensions that are not a list', { ini: { ...iniEncoder, extensions: 'cfg' } }, /must be an array of strings/],
    ['an extension that is not a string', { ini: { ...iniEncoder, extensions: [1] } }, /must be an array of strings/],
    ['a name with a dot', { 'a.b': iniEncoder }, /not a format name/],
    ['an empty name', { '': iniEncoder }, /not a format name/],
    ['the name "object"', { object: iniEncoder }, /not a format name/],
    ['a hostile name', JSON.parse('{"__proto__": {"decode": 1}}') as unknown, /not a format name/],
    ['a name given twice in two cases', { ini: iniEncoder, INI: iniEncoder }, /"ini" is given twice/],
    ['an extension two encoders claim', { a: { ...iniEncoder, extensions: ['x'] }, b: { ...iniEncoder, extensions: ['X'] } }, /"x" is claimed by both "a" and "b"/],
    ["an extension that is another encoder's name", { a: iniEncoder, b: { ...iniEncoder, extensions: ['a'] } }, /"a" is claimed by both/],
    ["a built-in format's extension under another name", { conf: { ...iniEncoder, extensions: ['yml'] } }, /built-in format yaml.*name the encoder "yaml"/],
    ["an encoder named after a built-in format's extension", { yml: iniEncoder }, /"yml" is an extension of the built-in format yaml.*name the encoder "yaml"/],
    ["an encoder named after another built-in extension", { JSONC: iniEncoder }, /"jsonc" is an extension of the built-in format json5/],
  ])('%s: INVALID_OPTION from createConfig, fileSource and memorySource', async (_, encoders, message) => {
    const error = await refusal({ encoders: encoders as never });
    expect(error).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
    expect(() => fileSource({ path: 'a.json', encoders: encoders as never })).toThrow(message);
    expect(() => memorySource({}, { name: 'm', encoders: encoders as never })).toThrow(/^m: encoders: /);
  });
});

describe('a format nothing decodes', () => {
  it('rejects createConfig with FORMAT naming the file, even when the source is optional or the file is missing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.ini');
    await writeFile(path, 'a=1');
    for (const source of [fileSource(path), fileSource({ path, optional: true }), fileSource({ path: join(dir, 'missing.ini'), optional: true })]) {
      const error = await refusal({ sources: [source] });
      expect(error).toMatchObject({ code: 'FORMAT', source: source.name });
      expect(error.message).toMatch(/\.ini" from its extension; pass the format option, or register an encoder/);
    }
    expect(await refusal({ sources: [fileSource({ path, format: 'xml' })] })).toMatchObject({ code: 'FORMAT', message: expect.stringContaining('unknown format "xml"') });
    expect(await refusal({ sources: [memorySource('a', { format: 'xml' })] })).toMatchObject({ code: 'FORMAT' });
  });

  it('refuses a file without an extension or format when it is made', () => {
    expect(() => fileSource('/etc/app/config')).toThrow(ConfigError);
    expect(() => fileSource('/etc/app/config')).toThrow(/cannot tell the format of "\/etc\/app\/config"/);
  });

  it('says what a path without a format is when it is no regular file (a directory, a device), not that its format is unknown', async () => {
    const dir = await tempDir();
    // Before, a FORMAT error: 'cannot tell the format of "…" from its extension'.
    const made = (path: string) => {
      try {
        fileSource(path);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(made(dir)).toMatchObject({ code: 'READ', message: `file:${dir}: not a regular file (a directory)` });
    expect(made('/dev/null')).toMatchObject({ code: 'READ', message: 'file:/dev/null: not a regular file (a character device)' });
    const folder = join(dir, 'conf.d');
    await mkdir(folder);
    expect(await refusal({ sources: [fileSource(folder)] })).toMatchObject({ code: 'READ', message: expect.stringContaining('conf.d: not a regular file (a directory)') });
  });

  it("is decoded once the config's encoders name it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'app.ini'), 'a=1');
    const made = await config({ encoders: { ini: iniEncoder }, sources: [fileSource({ path: join(dir, 'app.ini'), optional: true })] });
    expect(made.map()).toEqual({ a: '1' });
  });
});

describe("a decoder's failure", () => {
  it('is a DECODE error naming the source and the format, never quoting what the decoder threw', async () => {
    const quoting = [
      new SyntaxError(`unexpected "${SECRET}" at line 2`),
      Object.assign(new Error(SECRET), { name: SECRET }),
      new ConfigError(`bad value ${SECRET}`, { code: 'DECODE', position: { line: 3, column: 7 }, cause: new Error(SECRET) }),
      SECRET,
      { message: SECRET },
      null,
    ];
    const kinds = [/threw SyntaxError/, /threw an Error/, /threw ConfigError/, /threw a string/, /threw an object/, /threw null/];
    for (const [index, thrown] of quoting.entries()) {
      const error = await decodeFailure(throwing(thrown), `password=${SECRET}`);
      expect(error).toMatchObject({ code: 'DECODE', source: 'doc' });
      expect(error.message).toMatch(/^doc: the odd encoder threw /);
      expect(error.message).toMatch(kinds[index]!);
      expect(error.cause).toBeUndefined();
      expect(printed(error)).not.toContain(SECRET);
    }
  });

  it("keeps a ConfigError's position and its LIMIT code, nothing else", async () => {
    const error = await decodeFailure(throwing(new ConfigError(SECRET, { code: 'LIMIT', path: SECRET, position: { line: 4, column: 2 } })));
    expect(error).toMatchObject({ code: 'LIMIT', line: 4, column: 2, path: undefined });
    expect(error.message).toBe('doc: the odd encoder threw ConfigError (its message is not kept: it may quote the document) at line 4, column 2');
  });

  it('survives a thrown proxy whose every trap throws, and a result whose getter throws', async () => {
    const trap = () => {
      throw new Error(SECRET);
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
    const first = await decodeFailure(throwing(proxy));
    expect(first).toMatchObject({ code: 'DECODE', message: expect.stringMatching(/threw an object/) });
    const getter = await decodeFailure({ decode: () => ({ get a(): never { throw new RangeError(SECRET); } }) });
    expect(getter).toMatchObject({ code: 'DECODE', message: 'doc: the odd encoder threw RangeError (its message is not kept: it may quote the document)' });
  });

  it.each([
    ['undefined', undefined, /returned undefined \(return null for an empty layer\)/],
    ['a function', () => ({ a: 1 }), /returned a function, not data/],
    ['a symbol', Symbol('s'), /returned a symbol, not data/],
    ['an array', [1, 2], /returned an array, not an object/],
    ['a number', 42, /returned a number, not an object/],
    ['a string', SECRET, /returned a string, not an object/],
  ])('refuses %s returned for a document', async (_, value, message) => {
    const error = await decodeFailure(returning(value));
    expect(error).toMatchObject({ code: 'DECODE', source: 'doc', message: expect.stringMatching(message) });
    expect(printed(error)).not.toContain(SECRET);
  });

  it('refuses a promise, leaving no rejection unhandled (vitest fails a file that leaves one)', async () => {
    const error = await decodeFailure({ decode: () => Promise.reject(new Error(SECRET)) });
    expect(error).toMatchObject({ code: 'DECODE', message: 'doc: the odd encoder returned a promise; decode must be synchronous' });
  });

  it('is reported and keeps the last good layer when the document changes later', async () => {
    const source = memorySource('a=1', { format: 'lines' });
    const made = await config({ encoders: { lines: { decode: (bytes) => (new TextDecoder().decode(bytes).includes('!') ? [] : linesEncoder.decode(bytes, { maxBytes: 1e6, maxDepth: 64 })) } }, sources: [source] });
    const failed = nextError(made);
    source.replace('a=2!');
    expect(await failed).toMatchObject({ code: 'DECODE', message: expect.stringMatching(/returned an array, not an object/) });
    expect(made.map()).toEqual({ a: '1' });
    const version = made.snapshot().version;
    source.replace('a=3');
    await expect.poll(() => made.map()).toEqual({ a: '3' });
    expect(made.snapshot().version).toBe(version + 1);
  });
});

describe("a decoder's hostile output", () => {
  it('drops __proto__, constructor and prototype keys, at every depth, and pollutes no prototype', async () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "a": {"__proto__": {"polluted": 2}, "constructor": {"prototype": {"polluted": 3}}, "b": 1}, "prototype": 1}') as unknown;
    const defined = Object.defineProperty({ c: 1 }, '__proto__', { value: { polluted: 4 }, enumerable: true });
    const fromMap = new Map<string, unknown>([['__proto__', { polluted: 5 }], ['d', 1]]);
    const made = await config({
      encoders: { h: returning(hostile), d: returning(defined), m: returning({ m: fromMap }) },
      sources: [memorySource('x', { format: 'h' }), memorySource('x', { format: 'd' }), memorySource('x', { format: 'm' })],
    });
    expect(made.map()).toEqual({ a: { b: 1 }, c: 1, m: { d: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(made.map().a)).toBe(Object.prototype);
    await made.set('a.b', 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nesting past maxDepth and a cyclic result as LIMIT errors', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(await decodeFailure(returning(deep))).toMatchObject({ code: 'LIMIT', source: 'doc', message: expect.stringContaining('nesting deeper than 64 levels') });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(await decodeFailure(returning(cyclic), 'x', { maxDepth: 8 })).toMatchObject({ code: 'LIMIT', message: expect.stringContaining('nesting deeper than 8 levels') });
    const list: unknown[] = [];
    list.push(list);
    expect(await decodeFailure(returning({ list }))).toMatchObject({ code: 'LIMIT' });
  });

  it('holds the result to maxBytes, including a huge sparse array, before copying it', async () => {
    expect(await decodeFailure(returning({ big: 'x'.repeat(2000) }), 'x', { maxBytes: 1000 })).toMatchObject({ code: 'LIMIT', source: 'doc' });
    expect(await decodeFailure(returning({ holes: new Array(2 ** 32 - 1) }))).toMatchObject({ code: 'LIMIT', source: 'doc' });
    const keys = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
    expect(await decodeFailure(returning(keys), 'x', { maxBytes: 1000 })).toMatchObject({ code: 'LIMIT' });
  });

  it('turns class instances, dates, bytes, maps and sets into plain data, dropping functions and methods', async () => {
    class Settings {
      host = 'db';
      #hidden = SECRET;
      get computed(): string {
        return this.#hidden;
      }
      method(): string {
        return this.#hidden;
      }
    }
    const made = await config({
      encoders: {
        c: returning({
          settings: new Settings(),
          when: new Date(0),
          bytes: new Uint8Array([1, 2, 3]),
          set: new Set(['a', 'b']),
          fn: () => SECRET,
          big: 2n,
          nothing: undefined,
        }),
      },
      sources: [memorySource('x', { format: 'c' })],
    });
    expect(made.map()).toEqual({ settings: { host: 'db' }, when: '1970-01-01T00:00:00.000Z', bytes: 'AQID', set: ['a', 'b'], big: 2 });
    expect(JSON.stringify(made.map())).not.toContain(SECRET);
  });

  it('copies the result rather than freezing or changing what the encoder keeps', async () => {
    const kept = { a: { b: 1 }, __proto__x: 1 } as Record<string, unknown>;
    Object.defineProperty(kept.a, 'constructor', { value: 1, enumerable: true });
    const made = await config({ encoders: { k: returning(kept) }, sources: [memorySource('x', { format: 'k' })] });
    expect(made.map()).toEqual({ a: { b: 1 }, __proto__x: 1 });
    expect(Object.isFrozen(kept)).toBe(false);
    expect(Object.keys(kept.a as object)).toEqual(['b', 'constructor']);
  });
});

describe('encoders of key-value sources', () => {
  const pairs = [
    { key: 'app/db.ini', value: '[primary]\nhost = a\n' },
    { key: 'app/extra.CFG', value: 'x = 1\n' },
    { key: 'app/plain.env', value: 'A=1' },
    { key: 'app/doc.yaml', value: 'y: 2\n' },
  ];

  it("decodes a key by its extension with the source's encoders, then the config's; unclaimed extensions stay keys", async () => {
    expect(await kvTree(pairs, 'app', undefined, { encoders: undefined }, { ini: iniEncoder })).toEqual({
      db: { primary: { host: 'a' } },
      extra: { x: '1' },
      'plain.env': 'A=1',
      doc: { y: 2 },
    });
    const fromConfig = await kvTree(pairs, 'app', undefined, { encoders: { ini: returning('config'), env: returning('env') } }, { ini: returning('own') });
    expect(fromConfig).toMatchObject({ db: 'own', 'extra.CFG': 'x = 1\n', plain: 'env' });
  });

  it('lets any value come from a key (a KV value need not be an object), and names the key of a failure without quoting', async () => {
    expect(await kvTree([{ key: 'app/n.num', value: '7' }], 'app', undefined, {}, { num: { decode: (bytes) => Number(new TextDecoder().decode(bytes)) } })).toEqual({ n: 7 });
    const error = (await kvTree([{ key: 'app/db.ini', value: SECRET }], 'app', undefined, {}, { ini: throwing(new Error(SECRET)) }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'DECODE', path: 'app/db.ini', message: 'key "app/db.ini": the ini encoder threw Error (its message is not kept: it may quote the document)' });
    const fn = (await kvTree([{ key: 'app/db.ini', value: 'x' }], 'app', undefined, {}, { ini: returning(() => 1) }).catch((e: unknown) => e)) as ConfigError;
    expect(fn).toMatchObject({ code: 'DECODE', message: expect.stringContaining('returned a function, not data') });
  });

  it("holds a key's decoded value to what is left of the layer's maxBytes and to the depth left below the key", async () => {
    const big = returning({ text: 'x'.repeat(600) });
    await expect(kvTree([{ key: 'app/a.big', value: 'x' }, { key: 'app/b.big', value: 'x' }], 'app', undefined, { maxBytes: 1000 }, { big })).rejects.toMatchObject({ code: 'LIMIT' });
    let deep: unknown = 1;
    for (let i = 0; i < 7; i++) deep = { d: deep };
    await expect(kvTree([{ key: 'app/x/y/deep.d', value: 'x' }], 'app', undefined, { maxDepth: 8 }, { d: returning(deep) })).rejects.toMatchObject({ code: 'LIMIT' });
    expect(await kvTree([{ key: 'app/deep.d', value: 'x' }], 'app', undefined, { maxDepth: 8 }, { d: returning(deep) })).toMatchObject({ deep: { d: {} } });
  });
});

for (const backend of storeBackends) {
  describe.runIf(backend.available)(`encoders of a ${backend.name} source`, () => {
    const store = useStores(backend);

    it("decodes keys by the source's encoders, then the config's, and reports a failure keeping the last good layer", async () => {
      const on = store();
      await on.put('db.ini', '[primary]\nhost = a\n');
      await on.put('extra.lines', 'x = 1');
      try {
        // Throws a message quoting the document, as parsers do.
        const strict: Encoder = {
          decode(bytes) {
            throw new SyntaxError(`unexpected ${new TextDecoder().decode(bytes)}`);
          },
        };
        const made = await config({
          encoders: { lines: linesEncoder, ini: returning({ from: 'config' }) },
          sources: [on.source({ encoders: { ini: iniEncoder, strict } })],
        });
        expect(made.map()).toEqual({ db: { primary: { host: 'a' } }, extra: { x: '1' } });
        const failed = nextError(made);
        await on.put('secret.strict', `password = ${SECRET}`);
        const error = await failed;
        expect(error).toMatchObject({ code: 'DECODE', message: expect.stringMatching(/key ".*secret\.strict": the strict encoder threw SyntaxError/) });
        expect(printed(error)).not.toContain(SECRET);
        expect(made.get('extra.x').string('')).toBe('1');
      } finally {
        await on.close();
      }
    });
  });
}

describe('configDirSources({ encoders })', () => {
  it("reads the encoders' extensions after the built-in ones, and a file node-config reads that an encoder decodes", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'default.json'), '{"a": "json", "b": "json", "c": "json"}');
    await writeFile(join(dir, 'default.ini'), 'b = ini\nc = ini\n');
    await writeFile(join(dir, 'default.properties'), 'c = properties\n');
    const made = await config({
      sources: configDirSources({ dir, env: {}, argv: [], hostname: '', encoders: { ini: iniEncoder, props: { ...linesEncoder, extensions: ['properties'] } }, watch: false }),
    });
    expect(made.map()).toEqual({ a: 'json', b: 'ini', c: 'properties' });
    expect(() => configDirSources({ dir, env: {}, argv: [], hostname: '' })).toThrow(/would read ".*default\.properties"/);
    expect(() => configDirSources({ dir, env: {}, argv: [], encoders: { '.ini': iniEncoder } })).toThrow(/configDirSources: encoders: /);
  });

  it('replaces a built-in format by its name in every file of the layout', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'default.yml'), 'a = 1\n');
    const made = await config({ sources: configDirSources({ dir, env: {}, argv: [], hostname: '', encoders: { yaml: linesEncoder }, watch: false }) });
    expect(made.map()).toEqual({ a: '1' });
  });
});
