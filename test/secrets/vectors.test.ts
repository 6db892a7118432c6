import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { box, decryptValue, encryptValue, secretbox } from '../../src/secrets/index.ts';

// Nonces are random; here each encryption is handed the nonce Go used, so the whole ciphertext can be compared.
// node:crypto is required where it is first used (src/secrets/nacl.ts), so the spy sits on the module itself.
const randomBytes = vi.spyOn(createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'), 'randomBytes');

interface SecretboxVector {
  name: string;
  key: string;
  nonce: string;
  plaintext: string;
  ciphertext: string;
  base64: string;
}
interface BoxVector extends Omit<SecretboxVector, 'key'> {
  sender: string;
  recipient: string;
}
interface Vectors {
  secretbox: SecretboxVector[];
  keyPairs: Record<string, { publicKey: string; privateKey: string }>;
  box: BoxVector[];
}

// Made by Go's golang.org/x/crypto/nacl the way go-micro's config/secrets codecs call it (see main.go beside it).
const vectors = JSON.parse(readFileSync(new URL('../fixtures/go-secrets/vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const pair = (name: string) => vectors.keyPairs[name]!;
const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const isText = (bytes: Uint8Array) => {
  try {
    utf8(bytes);
    return true;
  } catch {
    return false;
  }
};

function nextNonce(nonce: string): void {
  randomBytes.mockImplementationOnce(((size: number) => {
    expect(size).toBe(24);
    return Buffer.from(nonce, 'hex');
  }) as never);
}

afterEach(() => {
  randomBytes.mockClear();
});

describe("secretbox against Go's vectors", () => {
  it('has vectors to check', () => {
    expect(vectors.secretbox.length).toBeGreaterThanOrEqual(12);
    expect(new Set(vectors.secretbox.map((vector) => vector.key)).size).toBe(2);
  });

  it.each(vectors.secretbox.map((vector) => [vector.name, vector] as const))("decrypts Go's %s", (_name, vector) => {
    expect(secretbox({ key: hex(vector.key) }).decrypt(hex(vector.ciphertext))).toEqual(hex(vector.plaintext));
  });

  it.each(vectors.secretbox.map((vector) => [vector.name, vector] as const))('encrypts %s byte for byte as Go did', (_name, vector) => {
    nextNonce(vector.nonce);
    expect(Buffer.from(secretbox({ key: hex(vector.key) }).encrypt(hex(vector.plaintext))).toString('hex')).toBe(vector.ciphertext);
  });

  it.each(vectors.secretbox.filter((vector) => isText(hex(vector.plaintext))).map((vector) => [vector.name, vector] as const))(
    'reads and writes %s as an enc: value (the key as base64)',
    (_name, vector) => {
      const codec = secretbox({ key: Buffer.from(vector.key, 'hex').toString('base64') });
      expect(decryptValue(codec, `enc:${vector.base64}`)).toBe(utf8(hex(vector.plaintext)));
      nextNonce(vector.nonce);
      expect(encryptValue(codec, utf8(hex(vector.plaintext)))).toBe(`enc:${vector.base64}`);
    },
  );

  it('with keys to rotate, decrypts what either key sealed and encrypts with the first', () => {
    const [first, second] = [vectors.secretbox[0]!.key, vectors.secretbox.at(-1)!.key];
    const codec = secretbox({ keys: [hex(second), hex(first)] });
    for (const vector of vectors.secretbox) expect(codec.decrypt(hex(vector.ciphertext))).toEqual(hex(vector.plaintext));
    const newest = vectors.secretbox.filter((vector) => vector.key === second).at(-1)!;
    nextNonce(newest.nonce);
    expect(Buffer.from(codec.encrypt(hex(newest.plaintext))).toString('hex')).toBe(newest.ciphertext);
  });
});

describe("box against Go's vectors", () => {
  it('has vectors both ways between two key pairs', () => {
    expect(new Set(vectors.box.map((vector) => `${vector.sender}>${vector.recipient}`))).toEqual(new Set(['alice>bob', 'bob>alice']));
  });

  it.each(Object.keys(vectors.keyPairs))("derives %s's public key from the private key as Go does", (name) => {
    expect(Buffer.from(box({ privateKey: hex(pair(name).privateKey) }).publicKey).toString('hex')).toBe(pair(name).publicKey);
  });

  it.each(vectors.box.map((vector) => [vector.name, vector] as const))("decrypts Go's %s", (_name, vector) => {
    const recipient = box({ privateKey: hex(pair(vector.recipient).privateKey), publicKey: hex(pair(vector.recipient).publicKey) });
    expect(recipient.decrypt(hex(vector.ciphertext), { senderPublicKey: hex(pair(vector.sender).publicKey) })).toEqual(hex(vector.plaintext));
  });

  it.each(vectors.box.map((vector) => [vector.name, vector] as const))('encrypts %s byte for byte as Go did', (_name, vector) => {
    const sender = box({ privateKey: hex(pair(vector.sender).privateKey) });
    nextNonce(vector.nonce);
    const sealed = sender.encrypt(hex(vector.plaintext), { recipientPublicKey: hex(pair(vector.recipient).publicKey) });
    expect(Buffer.from(sealed).toString('hex')).toBe(vector.ciphertext);
  });

  it('decrypts from the sender given when it was made, as a config does', () => {
    const vector = vectors.box.find((each) => each.sender === 'alice')!;
    const bob = box({ privateKey: hex(pair('bob').privateKey), senderPublicKey: hex(pair('alice').publicKey) });
    expect(decryptValue(bob, `enc:${vector.base64}`)).toBe(utf8(hex(vector.plaintext)));
  });
});
