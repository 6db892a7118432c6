import { ConfigError } from '../errors.ts';
import { ownOptions } from '../option-checks.ts';
import { decryptError, toBytes, toKey, type KeyInput, type Plaintext } from './bytes.ts';
import type { Decrypter } from './envelope.ts';
import { KEY_LENGTH, NONCE_LENGTH, openBox, publicKeyOf, random, sealBox } from './nacl.ts';
import { checkSealed } from './secretbox.ts';

/** A box's own key pair, and the sender it decrypts from when `decrypt` is not told one. */
export interface BoxOptions {
  /** This side's private key (32 bytes or base64). */
  readonly privateKey: KeyInput;
  /** This side's public key; derived from the private key when absent, and checked against it when given. */
  readonly publicKey?: KeyInput | undefined;
  /** Whose values `decrypt` opens by default: what a config needs, as it decrypts without options. */
  readonly senderPublicKey?: KeyInput | undefined;
}

/** NaCl box (Curve25519, XSalsa20-Poly1305), byte-compatible with Go Config's `box` codec. */
export interface Box extends Decrypter {
  /** This side's public key: what senders encrypt to. */
  readonly publicKey: Uint8Array;
  /** Seals for a recipient with this side's private key and a random nonce: nonce ‖ sealed. */
  encrypt(plaintext: Plaintext, options: { readonly recipientPublicKey: KeyInput }): Uint8Array;
  /** Opens nonce ‖ sealed from a sender (the `senderPublicKey` option by default); DECRYPT when it does not open. */
  decrypt(ciphertext: Uint8Array, options?: { readonly senderPublicKey?: KeyInput | undefined }): Uint8Array;
}

/** Go Config's `box` codec: public-key encryption between two key pairs (`generateKeyPair`). */
export function box(options: BoxOptions): Box {
  if (typeof options !== 'object' || options === null) throw new ConfigError('box() takes { privateKey, … }', { code: 'INVALID_OPTION' });
  options = ownOptions(options);
  const privateKey = toKey(options.privateKey, 'the box private key');
  const publicKey = publicKeyOf(privateKey);
  if (options.publicKey !== undefined && !equal(toKey(options.publicKey, 'the box public key'), publicKey)) {
    throw new ConfigError('the box public key does not belong to its private key', { code: 'INVALID_OPTION' });
  }
  const defaultSender = options.senderPublicKey === undefined ? undefined : toKey(options.senderPublicKey, 'the sender public key');
  return {
    publicKey: Uint8Array.from(publicKey),
    encrypt(plaintext, encryptOptions) {
      const recipient = toKey(encryptOptions?.recipientPublicKey, "the recipient's public key");
      return sealBox(toBytes(plaintext), random(NONCE_LENGTH), recipient, privateKey);
    },
    decrypt(ciphertext, decryptOptions) {
      const sealed = checkSealed(ciphertext);
      const sender = senderOf(decryptOptions?.senderPublicKey) ?? defaultSender;
      if (sender === undefined) throw decryptError("a box decrypts with the sender's public key: pass senderPublicKey");
      const opened = openBox(sealed, sender, privateKey);
      if (opened === undefined) throw decryptError('the value does not decrypt (another key pair sealed it, or it is damaged)');
      return opened;
    },
  };
}

/** A key pair for `box`: the public key may be shared, the private key stays with its owner. */
export interface KeyPair {
  /** 32 bytes to share. */
  readonly publicKey: Uint8Array;
  /** 32 bytes to keep. */
  readonly privateKey: Uint8Array;
}

/** A new random key pair for `box`. */
export function generateKeyPair(): KeyPair {
  const privateKey = random(KEY_LENGTH);
  return { publicKey: publicKeyOf(privateKey), privateKey };
}

/** A sender key given to `decrypt`, where a bad one is a DECRYPT failure like any other. */
function senderOf(key: unknown): Uint8Array | undefined {
  if (key === undefined) return undefined;
  try {
    return toKey(key, "the sender's public key");
  } catch (error) {
    throw decryptError((error as ConfigError).detail);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
