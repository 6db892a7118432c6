// Another library of the process hit by prototype pollution (`Object.prototype.isAdmin = true`, an object on
// Object.prototype, a property on Array.prototype) must not be amplified: a load publishes exactly what it would
// with clean prototypes, reads of a missing key still fall back, no watcher is told of a polluted key, and no walk
// recurses into the polluting object (a deep freeze once did, until a RangeError) nor writes into it.
//
// Each case runs once with clean prototypes and once polluted, and compares what it saw. The pollution is undone in
// a `finally` (and checked after every test), so a failing case cannot leave it to another test. What a polluted run
// saw is turned into JSON text while polluted (JSON.stringify reads own keys only) and compared once clean again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.ts';
import { box, generateKey, generateKeyPair, secretbox } from '../../src/secrets/index.ts';
import { heldServices, memoryRegistry } from '../../src/service/registry/memory.ts';
import { parseNode } from '../../src/service/registry/registry.ts';
import { createConfig, envSource, fileSource, flagsSource, memorySource, type Config, type Source, type StandardSchemaV1 } from '../../src/index.ts';
import { nextChange } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

type Polluted = Record<PropertyKey, unknown>;

/** The ways a prototype is found polluted: names the documents below use elsewhere, and names they never use. */
const POLLUTIONS: Record<string, { target: Polluted; values: Polluted }> = {
  'strings on Object.prototype': { target: Object.prototype as Polluted, values: { isAdmin: true, port: '1' } },
  'objects on Object.prototype': { target: Object.prototype as Polluted, values: { x: { y: 1 }, db: { admin: true } } },
  'values on Array.prototype': { target: Array.prototype as unknown as Polluted, values: { evil: 'yes', 1: 'hole' } },
  // Options not given are not read from a prototype either.
  'option names on Object.prototype': {
    target: Object.prototype as Polluted,
    values: { defaults: { admin: true }, expandEnv: false, format: 'toml', separator: 'x', prefix: 'DB', watch: false, maxDepth: 1, name: 'evil' },
  },
};

/** Runs `body` with the prototype polluted, always restoring it; the objects put there must come back untouched. */
async function polluted<T>(kind: string, body: () => Promise<T>): Promise<T> {
  const { target, values } = POLLUTIONS[kind]!;
  const before = JSON.stringify(values);
  try {
    for (const key of Object.keys(values)) target[key] = values[key];
    return await body();
  } finally {
    for (const key of Object.keys(values)) delete target[key];
    // Nothing wrote into the polluting objects nor froze them.
    expect(JSON.stringify(values)).toBe(before);
    for (const key of Object.keys(values)) if (typeof values[key] === 'object') expect(Object.isFrozen(values[key])).toBe(false);
  }
}

afterEach(() => {
  // A safety net: every case restores its pollution itself.
  for (const prototype of [Object.prototype, Array.prototype]) {
    for (const key in prototype) delete (prototype as Polluted)[key];
  }
});

/** Paths read in every case: polluted names at the root and below, keys the documents hold, and items of a list. */
const PROBES = ['isAdmin', 'port', 'x', 'x.y', 'x.z', 'db', 'db.port', 'db.admin', 'cache', 'cache.port', 'evil', 'list', 'list.1', 'list.evil', 'list.2.a'];

/** What a config publishes and answers, as text. */
function seen(config: Config): string {
  const reads = PROBES.map((path) => {
    const value = config.get(path);
    return [value.exists(), value.string('fallback'), value.int(7), value.stringSlice(['d']), value.stringMap({ d: 'd' }), value.scan('missing')];
  });
  return JSON.stringify({
    values: config.snapshot().values,
    map: config.map(),
    scan: config.scan(),
    bytes: Buffer.from(config.bytes()).toString(),
    reads,
    explain: PROBES.map((path) => config.explain(path)),
  });
}

/**
 * Loads the sources over defaults, and what the config publishes; with `change`, also what it publishes after it and
 * the change events and watchers' changes that tell of it. Closed afterwards.
 */
async function load(sources: () => Source[], change?: () => Promise<void>): Promise<string> {
  const config = await createConfig({ defaults: { cache: { host: 'c' }, list: ['a', 'b'] }, sources: sources() });
  try {
    const first = seen(config);
    if (change === undefined) return first;
    const told: unknown[] = [];
    for (const path of PROBES) config.watch(path).on('change', (_value, event) => told.push(event));
    const changed = nextChange(config);
    await change();
    const event = await changed;
    return JSON.stringify({ first, event, told, second: seen(config) });
  } finally {
    await config.close();
  }
}

/** The same in both worlds, for every kind of pollution. */
async function same(kind: string, body: () => Promise<string>): Promise<void> {
  const clean = await body();
  const dirty = await polluted(kind, body);
  expect(JSON.parse(dirty)).toEqual(JSON.parse(clean));
}

const DOCUMENTS: Record<string, string> = {
  'config.json': '{"db": {"host": "h", "port": 5432}, "list": ["a", null, {"a": 2}], "service": {"x": 5}, "__proto__": {"evil": 1}}',
  'config.json5': "{db: {host: 'h', port: 5432}, list: ['a', null, {a: 2}], service: {x: 5}, // a comment\n}",
  'config.yaml': 'db:\n  host: h\n  port: 5432\nlist: [a, null, {a: 2}]\nservice:\n  x: 5\n',
  'config.toml': 'list = ["a", "b"]\n[db]\nhost = "h"\nport = 5432\n[service]\nx = 5\n',
  'config.env': 'DB_HOST=h\nDB_PORT=5432\nSERVICE_X=5\nX_Z=1\n',
};

/** The same documents, rewritten: a value changed in place, a key added. */
const REWRITTEN: Record<string, string> = {
  'config.json': DOCUMENTS['config.json']!.replace('5432', '6543').replace('"x": 5', '"x": 6, "port": 1'),
  'config.json5': DOCUMENTS['config.json5']!.replace('5432', '6543').replace('x: 5', 'x: 6, port: 1'),
  'config.yaml': DOCUMENTS['config.yaml']!.replace('5432', '6543').replace('x: 5', 'x: 6\n  port: 1'),
  'config.toml': DOCUMENTS['config.toml']!.replace('5432', '6543').replace('x = 5', 'x = 6\nport = 1'),
  'config.env': DOCUMENTS['config.env']!.replace('5432', '6543').replace('SERVICE_X=5', 'SERVICE_X=6\nSERVICE_PORT=1'),
};

describe.each(Object.keys(POLLUTIONS))('with %s', (kind) => {
  it.each(Object.keys(DOCUMENTS))('a %s file, and its rewrite, publish what they do with clean prototypes', async (file) => {
    const dir = await tempDir();
    const path = join(dir, file);
    await same(kind, async () => {
      await writeFile(path, DOCUMENTS[file]!);
      return load(() => [fileSource(path)], () => writeFile(path, REWRITTEN[file]!));
    });
  });

  it('a JSON file over 512 KiB, decoded on another thread, publishes what it does with clean prototypes', async () => {
    const dir = await tempDir();
    const bulk = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, { value: `v${i}`.padEnd(20, '.'), n: i }]));
    const text = JSON.stringify({ db: { host: 'h', port: 5432 }, list: ['a', null, { a: 2 }], bulk });
    const rewritten = JSON.stringify({ db: { host: 'h', port: 6543, pool: 2 }, list: ['a', null, { a: 2 }], bulk: { ...bulk, k7: { value: 'changed' } } });
    expect(text.length).toBeGreaterThan(512 * 1024);
    const path = join(dir, 'large.json');
    await same(kind, async () => {
      await writeFile(path, text);
      return load(() => [fileSource(path)], () => writeFile(path, rewritten));
    });
  });

  it('the environment and flags publish what they do with clean prototypes', async () => {
    const env = { APP_DB_PORT: '5432', APP_X_Z: '1', APP_SERVICE_PORT: '80', APP_LIST: 'a,b' };
    const argv = ['--db-host=h', '--x-z=2', '--cache-port=9', '--service-x'];
    await same(kind, () => load(() => [envSource({ strippedPrefix: 'APP', env }), flagsSource({ argv })]));
  });

  it('a memory source, its reload told to watchers, and set() publish what they do with clean prototypes', async () => {
    await same(kind, async () => {
      // A list with a hole (a spread of it reads Array.prototype at the hole's index), handed over and set.
      const holed = () => Object.assign(new Array<unknown>(3), { 0: 'a', 2: { a: 2 } });
      const source = memorySource({ db: { host: 'h', port: 5432 }, list: holed() });
      const config = await createConfig({ defaults: { cache: { host: 'c' } }, sources: [source] });
      try {
        const told: unknown[] = [];
        for (const path of PROBES) config.watch(path).on('change', (_value, change) => told.push(change));
        const events: unknown[] = [];
        config.on('change', (event) => events.push(event));
        const first = seen(config);
        const reloaded = nextChange(config);
        source.replace({ db: { host: 'h2', port: 5432, pool: 3 }, list: ['a', 'b', { a: 3 }], service: { x: 1 } });
        await reloaded;
        const second = seen(config);
        await config.set('x.z', 3);
        await config.set('cache.port', 4);
        await config.set('service.list', holed());
        const third = seen(config);
        return JSON.stringify({ first, second, third, told, events });
      } finally {
        await config.close();
      }
    });
  });

  it('a schema validates and coerces what it does with clean prototypes', async () => {
    // Written by hand: a schema library's own walks are its own (valibot's object schema lists its entries with
    // for-in, and fails on a polluted prototype before any config is read).
    const schema: StandardSchemaV1<unknown, { db: { host: string; port: number }; cache: { port: number } }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate(input) {
          const root = input as { db?: { host?: unknown; port?: unknown }; cache?: { port?: unknown } };
          const db = Object.hasOwn(root, 'db') ? root.db : undefined;
          if (db === undefined || typeof db.host !== 'string') return { issues: [{ message: 'db.host is required', path: ['db', 'host'] }] };
          const cache = Object.hasOwn(root, 'cache') ? root.cache! : {};
          return { value: { ...root, db: { host: db.host, port: Number(db.port) }, cache: { ...cache, port: Object.hasOwn(cache, 'port') ? Number(cache.port) : 6379 } } };
        },
      },
    };
    await same(kind, async () => {
      const config = await createConfig({ schema, sources: [memorySource({ db: { host: 'h', port: '5432' }, list: ['a'] })] });
      try {
        return JSON.stringify({ scan: config.scan(), port: config.get('db.port').value(), cache: config.get('cache').value(), seen: seen(config as Config) });
      } finally {
        await config.close();
      }
    });
  });

  it('the command prints what it does with clean prototypes', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    await writeFile(file, DOCUMENTS['config.json']!);
    const command = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run(argv, { out: (line) => out.push(line), err: (line) => err.push(line), interrupted: new Promise(() => {}), input: async () => new Uint8Array(), terminal: false });
      return { code, out, err };
    };
    await same(kind, async () =>
      JSON.stringify([
        await command(['get', '.', '--file', file]),
        await command(['get', 'db', '--file', file]),
        await command(['get', 'isAdmin', '--file', file]),
        await command(['get', 'x.y', '--file', file]),
        await command(['explain', 'db', '--file', file]),
      ]),
    );
  });
});

describe('outside the tree, with names on Object.prototype', () => {
  /** Pollutes Object.prototype with `values` for the length of `body`, always restoring it. */
  async function withPolluted<T>(values: Polluted, body: () => T | Promise<T>): Promise<T> {
    const target = Object.prototype as Polluted;
    try {
      for (const key of Object.keys(values)) target[key] = values[key];
      return await body();
    } finally {
      for (const key of Object.keys(values)) delete target[key];
    }
  }

  it('a registry node read back takes only its own fields', async () => {
    const text = JSON.stringify({ id: 'n1', service: 'greeter', address: '127.0.0.1:8080' });
    const node = await withPolluted({ version: 'evil', metadata: { role: 'admin' } }, () => JSON.stringify(parseNode(text)));
    expect(JSON.parse(node)).toEqual({ id: 'n1', service: 'greeter', version: '', address: '127.0.0.1:8080', metadata: {} });
  });

  it('a registry takes only the options given', async () => {
    const node = { id: 'polluted-1', service: 'polluted-greeter', version: '1', address: '127.0.0.1:8080', metadata: {} };
    const held = await withPolluted({ namespace: 'polluted' }, async () => {
      const registry = memoryRegistry();
      try {
        await registry.register(node, 60_000);
        return heldServices('polluted');
      } finally {
        await registry.deregister(node);
        await registry.close();
      }
    });
    expect(held).toBe(0);
  });

  it('secretbox and box take only the keys given', async () => {
    const key = generateKey();
    const sender = generateKeyPair();
    const recipient = generateKeyPair();
    const opened = await withPolluted({ keyFile: '/nonexistent/keys', senderPublicKey: 'not a key' }, () => {
      const sealed = secretbox({ key });
      const fromSender = box({ privateKey: sender.privateKey });
      const toRecipient = box({ privateKey: recipient.privateKey, senderPublicKey: sender.publicKey });
      const plain = Buffer.from(sealed.decrypt(sealed.encrypt('s3cret'))).toString();
      const boxed = Buffer.from(toRecipient.decrypt(fromSender.encrypt('b0x', { recipientPublicKey: recipient.publicKey }))).toString();
      return [plain, boxed];
    });
    expect(opened).toEqual(['s3cret', 'b0x']);
  });
});
