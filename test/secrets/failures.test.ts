import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { box, decryptValue, encryptValue, generateKey, generateKeyPair, secretbox, type Decrypter } from '../../src/secrets/index.ts';

const key = generateKey();
const otherKey = generateKey();
const codec = secretbox({ key });
const sealed = codec.encrypt('hunter2-the-password');
const base64 = Buffer.from(sealed).toString('base64');

/** Runs `action`, expects a ConfigError with `code`, and returns it. */
function failure(action: () => unknown, code = 'DECRYPT'): ConfigError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).code).toBe(code);
  return caught as ConfigError;
}

/** Nothing of the value or the key in what the error prints. */
function expectQuiet(error: ConfigError, ...values: string[]): void {
  const printed = [error.message, String(error.stack), String(error.cause ?? ''), JSON.stringify(error)].join('\n');
  for (const value of values) expect(printed).not.toContain(value);
}

const flipped = (at: number) => {
  const copy = Uint8Array.from(sealed);
  copy[at < 0 ? copy.length + at : at]! ^= 1;
  return copy;
};

describe('secretbox decrypt failures are DECRYPT errors', () => {
  it.each<[string, unknown]>([
    ['empty input', new Uint8Array()],
    ['one byte', new Uint8Array([1])],
    ['a nonce and no more', sealed.subarray(0, 24)],
    ['one byte short of a tag', sealed.subarray(0, 39)],
    ['forty zero bytes', new Uint8Array(40)],
    ['a nonce bit flipped', flipped(0)],
    ['a tag bit flipped', flipped(24)],
    ['a body bit flipped', flipped(-1)],
    ['a string', base64],
    ['null', null],
    ['a number', 42],
    ['an array of bytes', [...sealed]],
  ])('%s', (_name, input) => {
    expectQuiet(failure(() => codec.decrypt(input as Uint8Array)), base64, 'hunter2');
  });

  it('with the wrong key, and says so without the value', () => {
    const error = failure(() => secretbox({ key: otherKey }).decrypt(sealed));
    expect(error.message).toMatch(/does not decrypt with the key/);
    expectQuiet(error, base64, 'hunter2', Buffer.from(otherKey).toString('base64'));
  });

  it('with none of several keys, naming how many were tried', () => {
    expect(failure(() => secretbox({ keys: [otherKey, generateKey()] }).decrypt(sealed)).message).toMatch(/any of the 2 keys/);
  });

  it('for any bytes at all: never a throw of another kind', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        failure(() => codec.decrypt(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('enc: values', () => {
  it('round-trip text, with a fresh nonce each time', () => {
    const first = encryptValue(codec, 'pässwörd ☃');
    const second = encryptValue(codec, 'pässwörd ☃');
    expect(first).toMatch(/^enc:[A-Za-z0-9+/]+={0,2}$/);
    expect(first).not.toBe(second);
    expect(decryptValue(codec, first)).toBe('pässwörd ☃');
    expect(decryptValue(codec, second)).toBe('pässwörd ☃');
  });

  it.each<[string, string]>([
    ['no prefix', base64],
    ['the prefix in capitals', `ENC:${base64}`],
    ['nothing after the prefix', 'enc:'],
    ['characters outside base64', `enc:${base64.slice(0, -4)}!!!!`],
    // Node's decoder takes URL-safe characters too; the strict check must not.
    ['URL-safe characters', `enc:-_${base64.slice(2)}`],
    ['missing padding', `enc:${base64.replace(/=+$/, '')}A`],
    ['a space inside', `enc:${base64.slice(0, 8)} ${base64.slice(8)}`],
    ['a trailing newline', `enc:${base64}\n`],
    ['non-canonical padding bits', 'enc:QR=='],
    ['too short once decoded', 'enc:AAAA'],
  ])('%s is DECRYPT', (_name, value) => {
    expectQuiet(failure(() => decryptValue(codec, value)), base64, 'hunter2');
  });

  it('bytes that are not UTF-8 are DECRYPT', () => {
    const value = encryptValue(codec, new Uint8Array([0xff, 0xfe, 0x80]));
    expect(failure(() => decryptValue(codec, value)).message).toMatch(/not UTF-8/);
  });

  it("another decrypter's error is DECRYPT, without its message or cause", () => {
    const leaky: Decrypter = {
      decrypt: (bytes) => {
        throw new TypeError(`cannot open ${Buffer.from(bytes).toString('base64')} (plaintext hunter2)`);
      },
    };
    const error = failure(() => decryptValue(leaky, `enc:${base64}`));
    expect(error.cause).toBeUndefined();
    expectQuiet(error, base64, 'hunter2');
  });

  it('any string at all is a plaintext or DECRYPT, never a throw of another kind', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (tail) => {
        try {
          decryptValue(codec, `enc:${tail}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).code).toBe('DECRYPT');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('box failures', () => {
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  const fromAlice = box({ privateKey: alice.privateKey }).encrypt('hunter2', { recipientPublicKey: bob.publicKey });

  it('opens what a generated pair sealed, both ways', () => {
    const toAlice = box({ privateKey: bob.privateKey }).encrypt('reply', { recipientPublicKey: alice.publicKey });
    expect(new TextDecoder().decode(box({ privateKey: bob.privateKey }).decrypt(fromAlice, { senderPublicKey: alice.publicKey }))).toBe('hunter2');
    expect(new TextDecoder().decode(box({ privateKey: alice.privateKey, senderPublicKey: bob.publicKey }).decrypt(toAlice))).toBe('reply');
  });

  it.each<[string, () => unknown]>([
    ['no sender key at all', () => box({ privateKey: bob.privateKey }).decrypt(fromAlice)],
    ['the wrong sender', () => box({ privateKey: bob.privateKey }).decrypt(fromAlice, { senderPublicKey: bob.publicKey })],
    ['the wrong recipient', () => box({ privateKey: alice.privateKey }).decrypt(fromAlice, { senderPublicKey: alice.publicKey })],
    ['a sender key of the wrong size', () => box({ privateKey: bob.privateKey }).decrypt(fromAlice, { senderPublicKey: new Uint8Array(31) })],
    ['a sender key that is not base64', () => box({ privateKey: bob.privateKey }).decrypt(fromAlice, { senderPublicKey: 'not a key' })],
    ['short input', () => box({ privateKey: bob.privateKey, senderPublicKey: alice.publicKey }).decrypt(fromAlice.subarray(0, 30))],
  ])('%s is DECRYPT', (_name, action) => {
    expectQuiet(failure(action), 'hunter2');
  });
});

describe('options', () => {
  it.each<[string, () => unknown]>([
    ['a key of 31 bytes', () => secretbox({ key: new Uint8Array(31) })],
    ['a key of 33 bytes', () => secretbox({ key: new Uint8Array(33) })],
    ['a key that is not base64', () => secretbox({ key: 'correct horse battery staple correct horse b' })],
    ['base64 of 24 bytes', () => secretbox({ key: Buffer.alloc(24).toString('base64') })],
    ['no keys', () => secretbox({ keys: [] })],
    ['a bad key among several', () => secretbox({ keys: [key, new Uint8Array(3)] })],
    ['no options', () => secretbox(undefined as never)],
    ['a box without a private key', () => box({} as never)],
    ['a box public key that is not its own', () => box({ privateKey: generateKey(), publicKey: generateKeyPair().publicKey })],
    ['encrypting to no recipient', () => box({ privateKey: generateKey() }).encrypt('x', {} as never)],
    ['encrypting a number', () => codec.encrypt(42 as never)],
  ])('%s is INVALID_OPTION', (_name, action) => {
    failure(action, 'INVALID_OPTION');
  });

  it('names a bad key without printing it', () => {
    const text = 'c2VjcmV0LWtleS10aGF0LWlzLXRvby1zaG9ydA==';
    const error = failure(() => secretbox({ keys: [key, text] }), 'INVALID_OPTION');
    expect(error.message).toMatch(/secretbox key 2/);
    expectQuiet(error, text);
  });

  it('accepts base64 keys, surrounding whitespace trimmed', () => {
    const text = `${Buffer.from(key).toString('base64')}\n`;
    expect(decryptValue(secretbox({ key: text }), encryptValue(codec, 'x'))).toBe('x');
  });

  it("keeps its own copy of the caller's key", () => {
    const bytes = Uint8Array.from(key);
    const mine = secretbox({ key: bytes });
    bytes.fill(0);
    expect(decryptValue(mine, encryptValue(codec, 'x'))).toBe('x');
  });

  it('makes distinct random keys and pairs', () => {
    expect(generateKey()).toHaveLength(32);
    expect(generateKey()).not.toEqual(generateKey());
    const pair = generateKeyPair();
    expect(pair.publicKey).toHaveLength(32);
    expect(pair.privateKey).toHaveLength(32);
    expect(box({ privateKey: pair.privateKey }).publicKey).toEqual(pair.publicKey);
  });
});
