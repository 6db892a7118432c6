// Bytes that are not the text they claim to be. Read leniently, each byte that is not UTF-8 became U+FFFD: a
// password saved in Latin-1 was another password, two binary etcd keys one key, a Consul value that is not base64
// whatever its decoder made of it, with no word said. Each is now a DECODE error naming the source and where (the
// line and column, the key), quoting nothing; a byte order mark is dropped, and UTF-16 with its mark is read.
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, consulSource, createConfig, envSource, etcdSource, fileSource } from '../../src/index.ts';
import { kvTree } from '../../src/sources/kv.ts';
import { mayBeCut } from '../../src/sources/cut-text.ts';
import { documentKeys } from '../../src/cli/stores.ts';
import { run } from '../../src/cli/program.ts';
import { secretbox } from '../../src/secrets/index.ts';
import { keyText, listedPair } from '../../src/sources/etcd-session.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startEtcd, type EtcdServer } from '../helpers/etcd.ts';
import { eventually, nextError } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { refusal } from '../helpers/sources.ts';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => {
  const bytes = Buffer.from(text, 'utf16le').swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
};
// Over 1 MiB: the file is handed over as bytes and decoded on a thread.
const PAD = 'x'.repeat(1_200_000);

/** The secret in each document below, and what lenient decoding made of it. */
const SECRET = 'hunt\u00e4r2';
const leaks = (error: ConfigError) => [error.message, String(error), JSON.stringify(error), String(error.cause ?? '')].some((text) => text.includes('hunt'));

/** A document per format, its secret on line `line` at `column` (its ä), small or over 1 MiB. */
function documents(large: boolean): { name: string; text: string; line: number; column: number }[] {
  const pad = large ? PAD : 'x';
  return [
    { name: 'app.yaml', text: `pad: ${pad}\na: 1\npassword: ${SECRET}\n`, line: 3, column: 15 },
    { name: 'app.json', text: `{"pad": "${pad}",\n "password": "${SECRET}"}`, line: 2, column: 19 },
    { name: 'app.toml', text: `pad = "${pad}"\npassword = "${SECRET}"\n`, line: 2, column: 17 },
    { name: 'app.env', text: `PAD=${pad}\nPASSWORD=${SECRET}\n`, line: 2, column: 14 },
  ];
}

describe('bytes that are not UTF-8', () => {
  it('are refused in a file of every format, small and decoded on a thread, at their line and column, quoting nothing', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    for (const large of [false, true]) {
      for (const document of documents(large)) {
        const path = join(dir, `${large ? 'large-' : ''}${document.name}`);
        await writeFile(path, latin1(document.text));
        const error = await refusal([fileSource(path)]);
        expect(error, path).toMatchObject({ code: 'DECODE', source: `file:${path}`, line: document.line, column: document.column });
        expect(error.message).toMatch(/not UTF-8 text/);
        expect(leaks(error)).toBe(false);
      }
    }
  });

  it('written over a good file are an error event; the last good value stays and the next good write is taken', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.yaml');
    await writeFile(path, `password: ${SECRET}\n`);
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    try {
      const failed = nextError(config);
      await writeFile(path, latin1(`password: ${SECRET}x\n`));
      expect(await failed).toMatchObject({ code: 'DECODE', line: 1, column: 15 });
      expect(config.get('password').string()).toBe(SECRET);
      await writeFile(path, `password: ${SECRET}y\n`);
      await eventually(() => expect(config.get('password').string()).toBe(`${SECRET}y`));
    } finally {
      await config.close();
    }
  });

  it('are refused in a .env file of the environment source and in a file a _FILE variable names', async () => {
    const dir = await tempDir();
    const dotenv = join(dir, '.env');
    await writeFile(dotenv, latin1(`A=1\nPASSWORD=${SECRET}\n`));
    const error = await refusal([envSource({ files: [dotenv], env: {} })]);
    expect(error).toMatchObject({ code: 'DECODE', source: `env:${dotenv}`, line: 2, column: 14 });
    const secret = join(dir, 'password');
    await writeFile(secret, latin1(SECRET));
    const named = await refusal([envSource({ fileSuffix: '_FILE', env: { DB_PASSWORD_FILE: secret } })]);
    expect(named).toMatchObject({ code: 'DECODE', path: 'DB_PASSWORD_FILE' });
    for (const failure of [error, named]) expect(leaks(failure)).toBe(false);
  });

  it('are refused in an etcd or Consul value, naming the key and where in the value', async () => {
    const pairs = [{ key: 'micro/config/db/password', value: latin1(SECRET) }];
    const error = (await kvTree(pairs, 'micro/config').catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error).toMatchObject({ code: 'DECODE', path: 'micro/config/db/password', line: 1, column: 5 });
    expect(error.message).toMatch(/^key "micro\/config\/db\/password": .*not UTF-8 text/);
    expect(leaks(error)).toBe(false);
    // A store may hold binary values that are no part of the config: only those below the prefix are read.
    await expect(kvTree([{ key: 'micro/configs/blob', value: latin1(SECRET) }], 'micro/config')).resolves.toEqual({});
  });
});

describe('byte order marks and UTF-16', () => {
  it('drop a UTF-8 byte order mark, and read UTF-16 after its mark (little and big endian), in every format, small and large', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    let n = 0;
    for (const large of [false, true]) {
      for (const document of documents(large)) {
        for (const encode of [(text: string) => Buffer.concat([BOM, Buffer.from(text)]), utf16le, utf16be]) {
          const path = join(dir, `${n++}-${document.name}`);
          await writeFile(path, encode(document.text));
          const config = await createConfig({ sources: [fileSource(path)] });
          expect(config.get('password').string(), path).toBe(SECRET);
          expect(config.get('pad').string().length).toBe(large ? PAD.length : 1);
          await config.close();
        }
      }
    }
  });

  it('are read, or refused, alike by microconf import and a key file', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.yaml');
    await writeFile(good, Buffer.concat([BOM, Buffer.from(`password: ${SECRET}\n`)]));
    expect(await documentKeys(good)).toEqual([['password', JSON.stringify(SECRET)]]);
    await writeFile(good, utf16le(`password: ${SECRET}\n`));
    expect(await documentKeys(good)).toEqual([['password', JSON.stringify(SECRET)]]);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, latin1(`password: ${SECRET}\n`));
    const error = (await documentKeys(bad).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error).toMatchObject({ code: 'DECODE', source: `file:${bad}`, line: 1, column: 15 });
    const keys = join(dir, 'keys');
    await writeFile(keys, Buffer.concat([latin1('# cl\u00e9 de prod\n'), Buffer.from(`${Buffer.alloc(32, 7).toString('base64')}\n`)]));
    const refused = await Promise.resolve()
      .then(() => secretbox({ keyFile: keys }))
      .catch((thrown: unknown) => thrown);
    expect(refused).toMatchObject({ code: 'DECODE', source: `key-file:${keys}`, line: 1, column: 5 });
  });

  it('tell a UTF-16 file ending in a line end from one cut mid-line, as UTF-8 is told', () => {
    // A file over 1 MiB is handed over as its bytes: its last byte alone (0x00 in little endian) read as cut before,
    // and the file was held for the quiet period.
    for (const encode of [utf16le, utf16be, (text: string) => Buffer.from(text)]) {
      expect(mayBeCut('yaml', encode('a: 1\n'))).toBe(false);
      expect(mayBeCut('yaml', encode('a: 1'))).toBe(true);
      expect(mayBeCut('yaml', encode('a: \u0a0a'))).toBe(true);
    }
  });

  it('refuse UTF-16 with an unpaired surrogate or cut in half a character, and UTF-32, at their place', async () => {
    const dir = await tempDir();
    const cases = [
      { bytes: Buffer.concat([utf16le('a: 1\nb: x'), Buffer.from([0x00, 0xd8]), Buffer.from('y\n', 'utf16le')]), line: 2, column: 5 },
      { bytes: Buffer.concat([utf16be('a: 1\nb: x'), Buffer.from([0x41])]), line: 2, column: 5 },
      { bytes: Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), line: 1, column: 1 },
      { bytes: Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x61]), line: 1, column: 1 },
    ];
    for (const [i, { bytes, line, column }] of cases.entries()) {
      const path = join(dir, `${i}.yaml`);
      await writeFile(path, bytes);
      expect(await refusal([fileSource(path)]), String(i)).toMatchObject({ code: 'DECODE', line, column });
    }
  });

  it('inside a YAML document, starting a line (two files joined), are refused there as JSON and TOML refuse them', async () => {
    // `cat base.yaml local.yaml > app.yaml`, the second saved with a mark: js-yaml read the mark into the next key,
    // published as "\uFEFFport", which no read of `port` finds, with no word said.
    const dir = await tempDir();
    const joined = join(dir, 'joined.yaml');
    await writeFile(joined, Buffer.concat([Buffer.from('host: db\n'), BOM, Buffer.from(`password: ${SECRET}\nport: 5432\n`)]));
    const error = await refusal([fileSource(joined)]);
    expect(error).toMatchObject({ code: 'DECODE', source: `file:${joined}`, line: 2, column: 1 });
    expect(error.message).toMatch(/byte order mark/);
    expect(leaks(error)).toBe(false);
    for (const [name, text] of [['joined.json', '{"a": 1}\n\uFEFF'], ['joined.toml', 'a = 1\n\uFEFFb = 2\n']] as const) {
      await writeFile(join(dir, name), text);
      expect(await refusal([fileSource(join(dir, name))]), name).toMatchObject({ code: 'DECODE', line: 2, column: 1 });
    }
    // Within a line, in a quoted value (where YAML allows it) or a plain one, it is text.
    const quoted = join(dir, 'quoted.yaml');
    await writeFile(quoted, 'a: "x\uFEFFy"\nb: x\uFEFFy\n');
    const config = await createConfig({ sources: [fileSource(quoted)] });
    expect(config.get('a').string()).toBe('x\uFEFFy');
    expect(config.get('b').string()).toBe('x\uFEFFy');
    await config.close();
  });

  it('are no column of the line they start, and a character past U+FFFF is one column in UTF-8 and UTF-16 alike', async () => {
    // The parser is given the text without its mark: a parse error on line 1 is at the same column with or without
    // one, and a byte that is not text was one column further with it. A 😀 before the byte counted 1 in UTF-8 and 2
    // in UTF-16: the same line, saved either way, had its fault at two places.
    const dir = await tempDir();
    const lone = Buffer.from([0x00, 0xd8]);
    const cases = [
      { bytes: Buffer.concat([BOM, latin1('a: \u00e4\n')]), column: 4 },
      { bytes: Buffer.concat([utf16le('a: '), lone, Buffer.from('\n', 'utf16le')]), column: 4 },
      { bytes: Buffer.concat([utf16be('a: '), lone.swap16(), Buffer.from('\n', 'utf16le').swap16()]), column: 4 },
      { bytes: Buffer.concat([Buffer.from('a: \u{1f600}'), latin1('\u00e4\n')]), column: 5 },
      { bytes: Buffer.concat([utf16le('a: \u{1f600}'), Buffer.from([0x00, 0xd8]), Buffer.from('\n', 'utf16le')]), column: 5 },
    ];
    for (const [i, { bytes, column }] of cases.entries()) {
      const path = join(dir, `${i}.yaml`);
      await writeFile(path, bytes);
      expect(await refusal([fileSource(path)]), String(i)).toMatchObject({ code: 'DECODE', line: 1, column });
    }
    const json = join(dir, 'bom.json');
    await writeFile(json, Buffer.concat([BOM, Buffer.from('{"a":}')]));
    expect(await refusal([fileSource(json)])).toMatchObject({ code: 'DECODE', line: 1, column: 6 });
  });
});

describe('arguments that were not UTF-8', () => {
  it('are refused by put and encrypt, which would write or seal U+FFFD for them', async () => {
    // Node reads an argument's bytes that are not UTF-8 (a terminal set to Latin-1) as U+FFFD, with no word: put
    // wrote "hunt\uFFFDr2" as the password, encrypt sealed it. Nothing is written (the address is never dialled).
    const dir = await tempDir();
    const keyFile = join(dir, 'keys');
    await writeFile(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`);
    const damaged = 'hunt\ufffdr2';
    for (const argv of [
      ['put', 'db/password', damaged, '--consul', '127.0.0.1:1'],
      ['put', 'db/p\ufffdss', 'x', '--etcd', 'http://127.0.0.1:1'],
      ['encrypt', damaged, '--key-file', keyFile],
      ['import', keyFile, '--consul', '127.0.0.1:1', '--prefix', 'app/p\ufffdss'],
    ]) {
      const { code, err } = await command(argv);
      expect(code, argv[0]).toBe(2);
      expect(err).toMatch(/holds U\+FFFD/);
      expect(err).not.toMatch(/hunt|p.ss/);
    }
    expect((await command(['encrypt', 'hunt\u00e4r2', '--key-file', keyFile])).code).toBe(0);
  });
});

describe('etcd keys that are not UTF-8', () => {
  it('are kept apart and refused naming the text before the first byte that is not, and its place', async () => {
    // Two keys of different bytes were one key after U+FFFD, one value silently standing for the other.
    const first = keyText(Buffer.concat([Buffer.from('/micro/config/db/p'), Buffer.from([0xe4]), Buffer.from('ss')]));
    const second = keyText(Buffer.concat([Buffer.from('/micro/config/db/p'), Buffer.from([0xf6]), Buffer.from('ss')]));
    expect(first).not.toBe(second);
    expect(keyText(Buffer.from('/micro/config/db/p\u00e4ss'))).toBe('/micro/config/db/p\u00e4ss');
    const error = await kvTree([listedPair(first, Buffer.from('1')), listedPair(second, Buffer.from('2'))], '/micro/config').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'DECODE', message: 'key "/micro/config/db/p…": the key is not UTF-8 text at its byte 19' });
    // Right after the prefix, with no `/`, such a key is not below it.
    const beside = keyText(Buffer.concat([Buffer.from('/micro/config'), Buffer.from([0xff])]));
    await expect(kvTree([listedPair(beside, Buffer.from('1'))], '/micro/config')).resolves.toEqual({});
    // Right after the prefix and its `/`, it is below: the first byte of a key's name (before: its text cut there was
    // the prefix itself, and the key dropped with no word said).
    const below = keyText(Buffer.concat([Buffer.from('/micro/config/'), Buffer.from([0xff]), Buffer.from('pass')]));
    for (const prefix of ['/micro/config', 'micro/config/']) {
      const refused = await kvTree([listedPair(below, Buffer.from('1'))], prefix).catch((thrown: unknown) => thrown);
      expect(refused, prefix).toMatchObject({ code: 'DECODE', message: 'key "/micro/config/…": the key is not UTF-8 text at its byte 15' });
    }
    // Below a prefix of the whole store, every key is, the first byte of its name that too.
    const nameless = keyText(Buffer.from([0xff, 0x61]));
    expect(await kvTree([listedPair(nameless, Buffer.from('1'))], '').catch((thrown: unknown) => thrown)).toMatchObject({
      code: 'DECODE',
      message: 'key "…": the key is not UTF-8 text at its byte 1',
    });
  });

  describe.runIf(serverAvailable('etcd'))('from a running etcd', () => {
    let etcd: EtcdServer | undefined;
    afterAll(async () => etcd?.dispose());

    it('are an error of the source, read and watched; deleting the key publishes the rest', { timeout: 60_000 }, async () => {
      etcd = await startEtcd();
      const client = new Etcd3({ hosts: etcd.endpoint });
      try {
        const prefix = '/encodings/app';
        await client.put(`${prefix}/port`).value('8080');
        const binary = Buffer.concat([Buffer.from(`${prefix}/p`), Buffer.from([0xe4])]);
        await client.put(binary).value('1');
        const error = await refusal([etcdSource({ prefix, hosts: etcd.endpoint })]);
        expect(error).toMatchObject({ code: 'DECODE', source: `etcd:${prefix}` });
        expect(error.message).toMatch(/not UTF-8 text at its byte 17/);
        const written = await command(['put', 'port', '9', '--etcd', etcd.endpoint, '--prefix', prefix]);
        expect(written.code).toBe(3);
        expect(written.err).toMatch(/nothing written: the prefix already cannot be read \(key "\/encodings\/app\/p…": the key is not UTF-8 text at its byte 17\)/);
        await client.delete().key(binary);
        const config = await createConfig({ sources: [etcdSource({ prefix, hosts: etcd.endpoint })] });
        try {
          expect(config.get('port').int()).toBe(8080);
          const failed = nextError(config);
          await client.put(binary).value('2');
          expect(await failed).toMatchObject({ code: 'DECODE' });
          await client.delete().key(binary);
          await client.put(`${prefix}/port`).value('9090');
          await eventually(() => expect(config.get('port').int()).toBe(9090));
        } finally {
          await config.close();
        }
      } finally {
        client.close();
      }
    });
  });
});

describe('Consul values', () => {
  let emulator: ConsulEmulator | undefined;
  afterAll(async () => emulator?.stop());

  it('that are not base64 are refused naming the key (the client decoded them leniently)', async () => {
    emulator = await startConsulEmulator();
    const body = (value: string) => JSON.stringify([{ Key: 'micro/config/db/password', Value: value, ModifyIndex: 3 }]);
    for (const value of ['!!!!', 'cA==cA==', 'cGFzcw', 'cGFzcw-_', ' cGFzcw==']) {
      emulator.fault({ kind: 'answer', status: 200, contentType: 'application/json', body: body(value) });
      const error = await refusal([consulSource({ address: emulator.address })]);
      expect(error, value).toMatchObject({ code: 'DECODE', source: 'consul:micro/config', path: 'micro/config/db/password' });
      expect(error.message).toMatch(/not base64/);
    }
    emulator.fault({ kind: 'answer', status: 200, contentType: 'application/json', body: body(Buffer.from(SECRET).toString('base64')) });
    const config = await createConfig({ sources: [consulSource({ address: emulator.address })] });
    expect(config.get('db.password').string()).toBe(SECRET);
    await config.close();
    emulator.fault(undefined);
  });

  it('that are not UTF-8 are refused naming the key; values with a byte order mark read without it', async () => {
    emulator ??= await startConsulEmulator();
    await put(emulator.port, 'micro/config/db/password', latin1(SECRET));
    const error = await refusal([consulSource({ address: emulator.address })]);
    expect(error).toMatchObject({ code: 'DECODE', path: 'micro/config/db/password', line: 1, column: 5 });
    expect(leaks(error)).toBe(false);
    // The command reads the prefix as the source does before it writes, to keep it readable: it writes nothing.
    const written = await command(['put', 'port', '8080', '--consul', emulator.address]);
    expect(written.code).toBe(3);
    expect(written.err).toMatch(/nothing written: the prefix already cannot be read \(key "micro\/config\/db\/password": .*not UTF-8 text/);
    expect(emulator.list('micro/config/port')).toEqual([]);
    await put(emulator.port, 'micro/config/db/password', Buffer.concat([BOM, Buffer.from(SECRET)]));
    await put(emulator.port, 'micro/config/app.json', Buffer.concat([BOM, Buffer.from('{"port": 8080}')]));
    const config = await createConfig({ sources: [consulSource({ address: emulator.address })] });
    expect(config.get('db.password').string()).toBe(SECRET);
    expect(config.get('app.port').int()).toBe(8080);
    await config.close();
  });
});

/** Writes a key's bytes through the emulator's HTTP API, as any client may. */
function put(port: number, key: string, value: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/v1/kv/${key}` }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(value);
  });
}

/** Runs the command in this process; its exit code and what it printed to standard error. */
async function command(argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { out: () => {}, err: (line: string) => err.push(line), interrupted: new Promise<void>(() => {}), input: async () => new Uint8Array() };
  const code = await run(argv, io);
  return { code, err: err.join('\n') };
}
