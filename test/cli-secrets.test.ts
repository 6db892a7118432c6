// The `microconf` command's secrets: keys, encrypting and decrypting values, and reading a configuration holding
// them, run as a child process.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decryptValue, encryptValue, generateKeyPair, box, secretbox } from '../src/secrets/index.ts';
import { startChild } from './helpers/children.ts';
import { settle } from './helpers/events.ts';
import { tempDir } from './helpers/files.ts';
import { runScript } from './helpers/process.ts';
import { run } from '../src/cli/program.ts';
import { readBounded } from '../src/cli/secrets.ts';

const cli = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const microconf = (args: string[], input?: string | Uint8Array) => runScript(cli, { args, timeout: 150_000, input });
// Every test runs the command in child processes, several in a row: a safety net for a machine so busy that one
// start of the command takes tens of seconds.
const CHILDREN = 300_000;
// How long a started command may take to print a line: its start alone can take tens of seconds there.
const STARTS = 100_000;

/** The command run in this process, for failures that need no process of their own to be told apart. */
async function inProcess(args: string[], input: string | Uint8Array = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    out: (line) => out.push(`${line}\n`),
    err: (line) => err.push(`${line}\n`),
    interrupted: new Promise(() => {}),
    input: (maxBytes) => readBounded([Buffer.from(input)], maxBytes, 'stdin'),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** A key file made by `microconf keygen`, and a config file holding a password encrypted by `microconf encrypt`. */
async function setup(password = 'hunter2') {
  const dir = await tempDir();
  const keygen = await microconf(['keygen']);
  expect(keygen).toMatchObject({ code: 0, stderr: '' });
  const keyFile = join(dir, 'secret.key');
  await writeFile(keyFile, keygen.stdout);
  // On standard input, as a user would pipe it (`echo` adds a line end, which is not part of the value).
  const encrypted = await microconf(['encrypt', '--key-file', keyFile], `${password}\n`);
  expect(encrypted).toMatchObject({ code: 0, stderr: '' });
  const value = encrypted.stdout.trim();
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, `database:\n  host: db.local\n  password: ${value}\n`);
  return { dir, keyFile, configFile, value, key: keygen.stdout.trim() };
}

describe('microconf keygen, encrypt and decrypt', { timeout: CHILDREN }, () => {
  it('keygen prints a key for secretbox, and with --box a key pair for box', async () => {
    const [one, two, pair, json] = await Promise.all([microconf(['keygen']), microconf(['keygen']), microconf(['keygen', '--box']), microconf(['keygen', '--box', '--json'])]);
    for (const output of [one, two]) expect(output.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(one.stdout).not.toBe(two.stdout);
    const [, publicKey, privateKey] = /^public-key: (\S{44})\nprivate-key: (\S{44})\n$/.exec(pair.stdout)!;
    // The pair works as one: a value sealed to its public key opens with its private key.
    const sender = generateKeyPair();
    const sealed = box({ privateKey: sender.privateKey }).encrypt('to you', { recipientPublicKey: publicKey! });
    expect(Buffer.from(box({ privateKey: privateKey!, publicKey: publicKey! }).decrypt(sealed, { senderPublicKey: sender.publicKey })).toString()).toBe('to you');
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual(['publicKey', 'privateKey']);
  });

  it('encrypt reads the value from standard input or the command line; the library and decrypt open it', async () => {
    const { keyFile, value, key } = await setup('pa55 word');
    expect(value).toMatch(/^enc:[A-Za-z0-9+/]+={0,2}$/);
    // The trailing line end of standard input was dropped; nothing else was.
    expect(decryptValue(secretbox({ key }), value)).toBe('pa55 word');
    const given = await microconf(['encrypt', '--key-file', keyFile, '  spaced\n']);
    expect(decryptValue(secretbox({ key }), given.stdout.trim())).toBe('  spaced\n');
    expect(await microconf(['decrypt', '--key-file', keyFile, value])).toMatchObject({ code: 0, stdout: 'pa55 word\n', stderr: '' });
    expect(await microconf(['decrypt', '--key-file', keyFile], `${value}\n`)).toMatchObject({ code: 0, stdout: 'pa55 word\n' });
    // A value the library sealed opens too: one format.
    const byLibrary = encryptValue(secretbox({ key }), 'from code');
    expect(await microconf(['decrypt', '--key-file', keyFile, byLibrary])).toMatchObject({ code: 0, stdout: 'from code\n' });
  });

  it('refuses what it cannot do with clear exit codes, and never prints the value or the key', async () => {
    const { dir, keyFile, value, key } = await setup();
    const otherKeyFile = join(dir, 'other.key');
    await writeFile(otherKeyFile, (await microconf(['keygen'])).stdout);
    // As a child process: the exit codes and standard input as a shell gives them.
    const noKey = await microconf(['encrypt', 'hunter2']);
    const wrongKey = await microconf(['decrypt', '--key-file', otherKeyFile, value]);
    const tooBig = await microconf(['encrypt', '--key-file', keyFile], 'x'.repeat(1024 * 1024 + 1));
    // The rest in this process: the same program, without a start of the command each.
    const damaged = await inProcess(['decrypt', '--key-file', keyFile, `${value.slice(0, -8)}AAAAAAA=`]);
    const missingKeyFile = await inProcess(['encrypt', '--key-file', join(dir, 'absent.key'), 'hunter2']);
    const badKeyFile = await inProcess(['encrypt', '--key-file', keyFile.replace('secret.key', 'config.yaml'), 'hunter2']);
    const notUtf8 = await inProcess(['encrypt', '--key-file', keyFile], Buffer.from([0x68, 0xff]));
    expect(noKey).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('--key-file') });
    for (const failed of [wrongKey, damaged]) expect(failed).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining('does not decrypt') });
    expect(missingKeyFile).toMatchObject({ code: 3, stderr: expect.stringContaining('file not found') });
    expect(badKeyFile).toMatchObject({ code: 3, stderr: expect.stringContaining('line 1') });
    expect(tooBig).toMatchObject({ code: 3, stderr: expect.stringContaining('more than 1048576 bytes') });
    expect(notUtf8).toMatchObject({ code: 3, stderr: expect.stringContaining('not UTF-8') });
    for (const output of [noKey, wrongKey, damaged, missingKeyFile, badKeyFile, tooBig, notUtf8]) {
      expect(output.stdout + output.stderr).not.toMatch(/hunter2|db\.local/);
      expect(output.stderr).not.toContain(key);
      expect(output.stderr).not.toContain(value.slice(4, 24));
    }
  });
});

describe('microconf get, explain and watch with --key-file', { timeout: CHILDREN }, () => {
  it('show decrypted values as [redacted], and with --reveal as they are', async () => {
    const { keyFile, configFile } = await setup();
    const base = ['--file', configFile, '--key-file', keyFile];
    const [get, getJson, explain, explainJson] = await Promise.all([
      microconf(['get', 'database.password', ...base]),
      microconf(['get', 'database', '--json', ...base]),
      microconf(['explain', 'database', ...base]),
      microconf(['explain', '.', '--json', ...base]),
    ]);
    expect(get).toMatchObject({ code: 0, stdout: '[redacted]\n' });
    expect(JSON.parse(getJson.stdout)).toEqual({ host: 'db.local', password: '[redacted]' });
    expect(explain.stdout).toBe(`database.host = "db.local"  <- file:${configFile}\ndatabase.password = "[redacted]"  <- file:${configFile}\n`);
    for (const output of [get, getJson, explain, explainJson]) expect(output.stdout + output.stderr).not.toContain('hunter2');

    const [revealed, revealedExplain] = await Promise.all([
      microconf(['get', 'database.password', '--reveal', ...base]),
      microconf(['explain', 'database.password', '--reveal', ...base]),
    ]);
    expect(revealed).toMatchObject({ code: 0, stdout: 'hunter2\n' });
    expect(revealedExplain.stdout).toBe(`database.password = "hunter2"  <- file:${configFile}\n`);
  });

  it('fail with exit code 3 and a DECRYPT message naming the file and path when the key does not open a value', async () => {
    const { dir, configFile } = await setup();
    const otherKeyFile = join(dir, 'other.key');
    await writeFile(otherKeyFile, (await microconf(['keygen'])).stdout);
    const failed = await microconf(['get', 'database.host', '--file', configFile, '--key-file', otherKeyFile]);
    expect(failed).toMatchObject({ code: 3, stdout: '' });
    expect(failed.stderr).toContain(`file:${configFile}: cannot decrypt the value at "database.password"`);
    expect(failed.stderr).not.toContain('hunter2');
  });

  it('watch prints decrypted changes redacted, with --reveal as they are', async () => {
    const { keyFile, configFile } = await setup();
    const seal = async (text: string) => (await microconf(['encrypt', '--key-file', keyFile], text)).stdout.trim();
    const [next, last] = await Promise.all([seal('correct horse'), seal('battery staple')]);
    const hidden = startChild(cli, process.env, 60_000, ['watch', 'database', '--file', configFile, '--key-file', keyFile]);
    const shown = startChild(cli, process.env, 60_000, ['watch', 'database', '--reveal', '--file', configFile, '--key-file', keyFile]);
    try {
      await hidden.waitFor(/^watching database from version 1$/, STARTS);
      await shown.waitFor(/^watching database from version 1$/, STARTS);
      // Let both watches become ready before the file changes.
      await settle(300);
      await writeFile(configFile, `database:\n  host: db.local\n  password: ${next}\n`);
      await hidden.waitFor(/database\.password: "\[redacted\]" -> "\[redacted\]"/, STARTS);
      await shown.waitFor(/database\.password: "hunter2" -> "correct horse"/, STARTS);
      await writeFile(configFile, `database:\n  host: db.local\n  password: ${last}\n`);
      await hidden.waitFor(/v3 database\.password: "\[redacted\]" -> "\[redacted\]"/, STARTS);
      await shown.waitFor(/database\.password: "correct horse" -> "battery staple"/, STARTS);
      expect(hidden.lines.join('\n')).not.toMatch(/hunter2|correct horse|battery staple/);
    } finally {
      hidden.process.kill('SIGKILL');
      shown.process.kill('SIGKILL');
    }
  });
});
