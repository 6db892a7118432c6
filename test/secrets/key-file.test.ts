import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { decryptValue, encryptValue, generateKey, secretbox } from '../../src/secrets/index.ts';
import { KEY_FILE_MAX_BYTES, parseKeyFile, readKeyFile } from '../../src/secrets/key-file.ts';
import { tempDir } from '../helpers/files.ts';

const text = (key: Uint8Array) => Buffer.from(key).toString('base64');
const [oldKey, newKey] = [generateKey(), generateKey()];

function caught(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('key files', () => {
  it('list keys one a line, newest first; blank lines, comments and CRLF line ends are fine', () => {
    const keys = parseKeyFile(`# rotated on Monday\n${text(newKey)}\r\n\n  ${text(oldKey)}  \n# end`, 'key-file:k');
    expect(keys).toEqual([newKey, oldKey]);
  });

  it.each([
    ['no key at all', '# only a comment\n\n', undefined],
    ['a line that is not a key', `${text(newKey)}\nnot-a-key-but-a-secret\n`, 2],
    ['a key of the wrong size', `${Buffer.alloc(16).toString('base64')}\n`, 1],
  ])('refuse %s (DECODE, naming the line, never the text)', (_name, content, line) => {
    const error = caught(() => parseKeyFile(content, 'key-file:k'));
    expect(error).toMatchObject({ code: 'DECODE', source: 'key-file:k', line });
    expect(error.message).not.toContain('not-a-key-but-a-secret');
    expect(error.message).not.toContain(text(newKey));
  });

  it('are read as regular files only, bounded', async () => {
    const dir = await tempDir();
    expect(caught(() => readKeyFile(join(dir, 'missing')))).toMatchObject({ code: 'READ', source: `key-file:${join(dir, 'missing')}` });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(caught(() => readKeyFile(join(dir, 'fifo')))).toMatchObject({ code: 'READ', message: expect.stringContaining('not a regular file') });
    await mkdir(join(dir, 'directory'));
    expect(caught(() => readKeyFile(join(dir, 'directory'))).code).toBe('READ');
    await writeFile(join(dir, 'huge'), `${text(newKey)}\n${'#'.repeat(KEY_FILE_MAX_BYTES)}`);
    expect(caught(() => readKeyFile(join(dir, 'huge'))).code).toBe('LIMIT');
    for (const keyFile of ['', 42]) expect(caught(() => secretbox({ keyFile } as { keyFile: string })).code).toBe('INVALID_OPTION');
  });

  it('give a secretbox its keys: the first encrypts, each decrypts', async () => {
    const path = join(await tempDir(), 'secret.key');
    await writeFile(path, `${text(newKey)}\n${text(oldKey)}\n`);
    const codec = secretbox({ keyFile: path });
    expect(decryptValue(codec, encryptValue(secretbox({ key: oldKey }), 'old'))).toBe('old');
    expect(decryptValue(secretbox({ key: newKey }), encryptValue(codec, 'new'))).toBe('new');
  });

  it('are followed: a rotation applies, a bad rewrite is reported and keeps the keys in force', async () => {
    const dir = await tempDir();
    const path = join(dir, 'secret.key');
    await writeFile(path, `${text(oldKey)}\n`);
    const codec = secretbox({ keyFile: path });
    const stop = new AbortController();
    const changes = codec.watch!(stop.signal)[Symbol.asyncIterator]();
    try {
      const sealedNew = encryptValue(secretbox({ key: newKey }), 'new');
      expect(() => decryptValue(codec, sealedNew)).toThrow(ConfigError);
      // Written while the watch may still be starting: it reads the file once ready, so nothing is missed.
      const first = changes.next();
      await writeFile(join(dir, 'next.key'), `${text(newKey)}\n${text(oldKey)}\n`);
      await rename(join(dir, 'next.key'), path);
      expect(await first).toEqual({ done: false, value: undefined });
      expect(decryptValue(codec, sealedNew)).toBe('new');
      expect(decryptValue(secretbox({ key: newKey }), encryptValue(codec, 'x'))).toBe('x');

      // Held to its expectation at once: the refusal may come before the write below has returned.
      const refused = expect(changes.next()).rejects.toMatchObject({ code: 'DECODE', source: `key-file:${path}`, line: 1 });
      await writeFile(path, 'garbage that is no key\n');
      await refused;
      expect(decryptValue(codec, sealedNew)).toBe('new');

      const third = changes.next();
      await writeFile(path, `${text(oldKey)}\n`);
      expect(await third).toEqual({ done: false, value: undefined });
      expect(() => decryptValue(codec, sealedNew)).toThrow(ConfigError);
    } finally {
      stop.abort();
      await changes.return?.();
    }
  });
});
