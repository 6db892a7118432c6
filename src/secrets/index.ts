import { KEY_LENGTH, random } from './nacl.ts';

export { box, generateKeyPair } from './box.ts';
export type { Box, BoxOptions, KeyPair } from './box.ts';
export type { KeyInput, Plaintext } from './bytes.ts';
export { decryptValue, encryptValue, ENCRYPTED_PREFIX, isEncrypted } from './envelope.ts';
export type { Decrypter, Encrypter } from './envelope.ts';
export { secretbox } from './secretbox.ts';
export type { Secretbox, SecretboxOptions } from './secretbox.ts';

/** A new random 32-byte key for `secretbox`. */
export function generateKey(): Uint8Array {
  return random(KEY_LENGTH);
}
