import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  createConfig,
  envSource,
  fileSource,
  flagsSource,
  memorySource,
  type ChangeEvent,
  type Config,
  type Source,
  type StandardSchemaV1,
} from '../../src/index.ts';
import { encryptValue, generateKey, secretbox, type Decrypter } from '../../src/secrets/index.ts';
import { eventually, nextChange, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { storeBackends, type Store } from '../helpers/stores.ts';

const key = generateKey();
const codec = secretbox({ key });
const otherKey = generateKey();
const sealed = (text: string, by: Decrypter & { encrypt(text: string): Uint8Array } = codec) => encryptValue(by, text);
const keyText = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

async function configOf(source: Source, decrypt: Decrypter = codec, secret?: string[]) {
  const config = await createConfig({ sources: [source], decrypt, secret });
  open.push(config);
  return config;
}

/** Every printed form a program might log of a change event. */
function printed(event: ChangeEvent): string {
  return [JSON.stringify(event), inspect(event, { depth: 10 }), ...event.changes.flatMap((change) => [String(change), inspect(change)])].join('\n');
}

/** Every printed form of what a config tells about `db` and `db.password`. */
function printedConfig(config: Config): string {
  const value = config.get('db.password');
  return [
    JSON.stringify(config.explain('db')),
    JSON.stringify(config.explain('db.password')),
    inspect(config.explain('db'), { depth: 10 }),
    String(value),
    JSON.stringify(value),
    inspect(value),
    JSON.stringify(config.get('db')),
  ].join('\n');
}

/** One kind of source holding `db.host` and `db.password` as given, and, where it can change, a way to change them. */
interface Kind {
  readonly name: string;
  /** False for a kind whose server is not installed here (etcd outside CI). */
  readonly available: boolean;
  /** The source's name in errors and explain. */
  readonly sourceName: string;
  make(host: string, password: string): Promise<{ source: Source; change?: (host: string, password: string) => Promise<void> }>;
}

const stores = new Map<string, Store>();
const kinds: Kind[] = [
  {
    name: 'a YAML file',
    available: true,
    sourceName: 'file:config.yaml',
    async make(host, password) {
      const path = join(await tempDir(), 'config.yaml');
      const write = (h: string, p: string) => writeFile(path, `db:\n  host: ${h}\n  password: ${p}\n`);
      await write(host, password);
      return { source: fileSource({ path, name: 'file:config.yaml' }), change: write };
    },
  },
  {
    name: 'the environment',
    available: true,
    sourceName: 'env',
    make: async (host, password) => ({ source: envSource({ strippedPrefix: 'APP', env: { APP_DB_HOST: host, APP_DB_PASSWORD: password } }) }),
  },
  {
    name: 'flags',
    available: true,
    sourceName: 'flags',
    make: async (host, password) => ({ source: flagsSource({ argv: [`--db-host=${host}`, '--db-password', password] }) }),
  },
  {
    name: 'memory',
    available: true,
    sourceName: 'memory',
    async make(host, password) {
      const source = memorySource({ db: { host, password } });
      return { source, change: async (h, p) => source.replace({ db: { host: h, password: p } }) };
    },
  },
  ...storeBackends.map<Kind>((backend) => ({
    name: backend.name,
    available: backend.available,
    sourceName: backend.name,
    async make(host, password) {
      const store = stores.get(backend.name)!;
      const write = async (h: string, p: string) => store.transaction({ 'db/host': h, 'db/password': p });
      await write(host, password);
      return { source: store.source(), change: write };
    },
  })),
];

const disposers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  for (const backend of storeBackends) {
    if (!backend.available) continue;
    const stores_ = await backend.setup();
    disposers.push(stores_.dispose);
    stores.set(backend.name, stores_.store());
  }
}, 60_000);
afterAll(async () => {
  for (const store of stores.values()) await store.close();
  for (const dispose of disposers) await dispose();
});

describe.each(kinds)('an encrypted value in $name', (kind) => {
  const skip = !kind.available;

  it.skipIf(skip)('reads as its plaintext and prints as [redacted] everywhere', async () => {
    const { source, change } = await kind.make('db.local', sealed('hunter2'));
    const config = await configOf(source);
    expect(config.get('db.password').string()).toBe('hunter2');
    expect(config.get('db.host').string()).toBe('db.local');
    expect(config.explain('db.password')).toMatchObject({ value: '[redacted]', source: expect.stringContaining(kind.sourceName) });
    expect(config.explain('db').value).toEqual({ host: 'db.local', password: '[redacted]' });
    expect(printedConfig(config)).not.toContain('hunter2');
    if (!change) return;
    const watcher = config.watch('db');
    const watched = new Promise<string>((resolve) => watcher.on('change', (value, c) => resolve(`${String(value)} ${JSON.stringify(c)} ${inspect(c)} ${String(c)}`)));
    const heard = nextChange(config);
    await change('db.local', sealed('correct horse'));
    const event = await heard;
    expect(await watched).not.toMatch(/hunter2|correct horse/);
    watcher.stop();
    expect(config.get('db.password').string()).toBe('correct horse');
    expect(event.changes.map((c) => [c.path, c.previous, c.current])).toEqual([['db.password', 'hunter2', 'correct horse']]);
    expect(printed(event)).toContain('[redacted]');
    expect(printed(event)).not.toMatch(/hunter2|correct horse/);
    expect(printedConfig(config)).not.toContain('correct horse');
  });

  it.skipIf(skip)('sealed with another key is one DECRYPT error naming source and path; the last good layer stays', async () => {
    const wrong = sealed('hunter2', secretbox({ key: otherKey }));
    const { source, change } = await kind.make('db.local', sealed('first'));
    if (!change) {
      // A source that cannot change fails its first read: the config is not created.
      const { source: failing } = await kind.make('db.local', wrong);
      const error = await createConfig({ sources: [failing], decrypt: codec }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'DECRYPT', path: 'db.password', source: expect.stringContaining(kind.sourceName) });
      expectNoValue(error as ConfigError, wrong);
      return;
    }
    const config = await configOf(source);
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    const changes: ChangeEvent[] = [];
    config.on('change', (event) => changes.push(event));
    const failed = nextError(config);
    await change('elsewhere', wrong);
    const error = await failed;
    expect(error).toMatchObject({ code: 'DECRYPT', path: 'db.password', source: expect.stringContaining(kind.sourceName) });
    expectNoValue(error, wrong);
    // The whole layer is kept, the host beside the value too.
    await settle(300);
    expect(config.get('db').scan()).toEqual({ host: 'db.local', password: 'first' });
    expect(changes).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

function expectNoValue(error: ConfigError, ciphertext: string) {
  for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), String(error.cause ?? '')]) {
    expect(text).not.toContain(ciphertext.slice(4, 20));
    expect(text).not.toContain('hunter2');
  }
}

describe('keys', () => {
  it('rotate with { keys: [current, ...older] }: the first encrypts, each decrypts', async () => {
    const rotated = secretbox({ keys: [otherKey, key] });
    const config = await configOf(memorySource({ old: sealed('by the old key'), fresh: encryptValue(rotated, 'by the new key') }), rotated);
    expect(config.get('old').string()).toBe('by the old key');
    expect(config.get('fresh').string()).toBe('by the new key');
    expect(() => codec.decrypt(Buffer.from(encryptValue(rotated, 'x').slice(4), 'base64'))).toThrow(ConfigError);
  });

  it('rotate from a key file while running: values that did not open with the old keys open with the new, without a restart', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'secret.key');
    const configFile = join(dir, 'config.yaml');
    await writeFile(keyFile, `${keyText(key)}\n`);
    await writeFile(configFile, `password: ${sealed('one')}\n`);
    const config = await configOf(fileSource(configFile), secretbox({ keyFile }));
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    expect(config.get('password').string()).toBe('one');
    await settle(200);

    // A value sealed by a key the config does not know yet: refused, the last good layer stays.
    const refused = nextError(config);
    await writeFile(configFile, `password: ${sealed('two', secretbox({ key: otherKey }))}\n`);
    expect(await refused).toMatchObject({ code: 'DECRYPT', path: 'password' });
    expect(config.get('password').string()).toBe('one');

    // The new key first, the old one after it: the refused value now opens.
    const opened = nextChange(config);
    await writeFile(keyFile, `# rotated\n${keyText(otherKey)}\n${keyText(key)}\n`);
    const event = await opened;
    expect(event.changes.map((c) => c.path)).toEqual(['password']);
    expect(config.get('password').string()).toBe('two');
    expect(printed(event)).not.toMatch(/one|two/);

    // A key file that does not parse is reported; the keys in force stay.
    const bad = nextError(config);
    await writeFile(keyFile, 'not a key\n');
    expect(await bad).toMatchObject({ code: 'DECODE', source: `key-file:${keyFile}`, line: 1 });
    await writeFile(configFile, `password: ${sealed('three', secretbox({ key: otherKey }))}\n`);
    await eventually(() => expect(config.get('password').string()).toBe('three'));

    // Keys that no longer open the values in force: one DECRYPT error, the last good layer stays.
    const lost = nextError(config);
    await writeFile(keyFile, `${keyText(generateKey())}\n`);
    expect(await lost).toMatchObject({ code: 'DECRYPT', source: `file:${configFile}`, path: 'password' });
    await settle(200);
    expect(config.get('password').string()).toBe('three');
    expect(errors.map((error) => error.code)).toEqual(['DECRYPT', 'DECODE', 'DECRYPT']);
  });

  it('decrypts a file over 1 MiB again when its keys change: its change set is kept whole, not by its digest', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'secret.key');
    const configFile = join(dir, 'config.yaml');
    await writeFile(keyFile, `${keyText(key)}\n`);
    await writeFile(configFile, `password: ${sealed('one')}\npadding: ${'x'.repeat(1024 * 1024)}\n`);
    const config = await configOf(fileSource(configFile), secretbox({ keyFile }));
    expect(config.get('password').string()).toBe('one');
    await settle(200);
    // Keys that no longer open the values in force: the file's change set is decoded again, and refused.
    const lost = nextError(config);
    await writeFile(keyFile, `${keyText(generateKey())}\n`);
    expect(await lost).toMatchObject({ code: 'DECRYPT', source: `file:${configFile}`, path: 'password' });
    expect(config.get('password').string()).toBe('one');
  });
});

describe('a decrypter that follows its keys', () => {
  it('is followed by a config, and not with watch: false', async () => {
    const asked: string[] = [];
    const following = (name: string): Decrypter => ({
      decrypt: (bytes) => codec.decrypt(bytes),
      watch: () => {
        asked.push(name);
        return { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<void>>(() => {}) }) };
      },
    });
    const source = () => memorySource({ password: sealed('hunter2') });
    const followed = await createConfig({ sources: [source()], decrypt: following('followed') });
    const still = await createConfig({ sources: [source()], decrypt: following('still'), watch: false });
    open.push(followed, still);
    expect(still.get('password').string()).toBe('hunter2');
    expect(asked).toEqual(['followed']);
  });
});

describe('secret paths beside decrypted values', () => {
  it('the secret option still hides its own paths; a value decrypted at another path stays hidden when it is replaced by plain text', async () => {
    const source = memorySource({ token: 'plain-token', db: { password: sealed('hunter2') } });
    const config = await configOf(source, codec, ['token']);
    expect(config.explain('token').value).toBe('[redacted]');
    expect(config.explain('db.password').value).toBe('[redacted]');
    const heard = nextChange(config);
    source.replace({ token: 'plain-token', db: { password: 'now-plain' } });
    const event = await heard;
    // The previous value was a secret: the event does not print it, even though the current one is plain.
    expect(printed(event)).not.toContain('hunter2');
    expect(config.explain('db.password').value).toBe('now-plain');
  });

  it('values are not decrypted without a decrypter: enc: strings stay as written', async () => {
    const value = sealed('hunter2');
    const config = await createConfig({ sources: [memorySource({ password: value })] });
    open.push(config);
    expect(config.get('password').string()).toBe(value);
  });
});

describe('a schema refusing a decrypted value', () => {
  // A schema whose messages quote the value refused at a path, in several forms (valibot's do).
  const quoting = (path: string[]): StandardSchemaV1 => ({
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (input) => {
        const value = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], input);
        return { issues: [{ message: `Invalid: received "${String(value)}" (${JSON.stringify(value)})`, path }] };
      },
    },
  });
  const refusal = (schema: StandardSchemaV1, password: string) =>
    createConfig({ sources: [memorySource({ db: { password: sealed(password), port: 1 } })], decrypt: codec, schema }).then(
      () => undefined,
      (caught: unknown) => caught as ConfigError,
    );

  it.each([
    ['at the secret path', ['db', 'password'], 'hunter2'],
    ['at a parent of it, quoting the whole subtree', ['db'], 'hunter2'],
    ['a one-character secret, which scrubbing the text would miss or mangle', ['db'], '1'],
  ])('withholds the message %s, naming the path', async (_, path, password) => {
    const error = await refusal(quoting(path), password);
    expect(error).toMatchObject({ code: 'VALIDATION', issues: [{ path: path.join('.'), message: expect.stringContaining('withheld') }] });
    expect(`${error!.message}${JSON.stringify(error!.issues)}`).not.toMatch(password === '1' ? /"1"|received 1/ : new RegExp(password));
  });

  it('keeps the message of an issue elsewhere', async () => {
    const error = await refusal(quoting(['db', 'port']), 'hunter2');
    expect(error!.issues![0]!.message).toBe('Invalid: received "1" (1)');
  });
});
