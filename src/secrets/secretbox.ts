import { ConfigError } from '../errors.ts';
import { ownOptions } from '../option-checks.ts';
import { decryptError, toBytes, toKey, type KeyInput, type Plaintext } from './bytes.ts';
import type { Decrypter, Encrypter } from './envelope.ts';
import { followKeyFile, readKeyFile } from './key-file.ts';
import { NONCE_LENGTH, OVERHEAD_LENGTH, openSecretbox, random, sealSecretbox } from './nacl.ts';

/**
 * One shared key, or several to rotate (the first encrypts, each is tried in turn to decrypt), or a file listing
 * them one a line, followed while the program runs.
 */
export type SecretboxOptions = { readonly key: KeyInput } | { readonly keys: readonly KeyInput[] } | { readonly keyFile: string };

/** NaCl secretbox (XSalsa20-Poly1305 with a shared key), byte-compatible with Go Config's `secretbox` codec. */
export interface Secretbox extends Encrypter, Decrypter {
  /** Seals with the first key and a random nonce: nonce ‖ sealed. */
  encrypt(plaintext: Plaintext): Uint8Array;
  /** Opens nonce ‖ sealed with whichever key sealed it; a ConfigError with code DECRYPT when none does. */
  decrypt(ciphertext: Uint8Array): Uint8Array;
}

/**
 * Go Config's `secretbox` codec. Keys are 32 bytes, or their base64 (`microconf keygen`). To rotate, list the new
 * key first and keep the old ones after it until every value has been encrypted again. A `keyFile` lists them one
 * a line (blank lines and `#` comments skipped); it is read now, and `watch()` follows it (a config does so itself).
 */
export function secretbox(options: SecretboxOptions): Secretbox {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('secretbox() takes { key }, { keys } or { keyFile }', { code: 'INVALID_OPTION' });
  }
  options = ownOptions(options);
  const keyFile = 'keyFile' in options ? options.keyFile : undefined;
  if (keyFile !== undefined && (typeof keyFile !== 'string' || keyFile === '')) {
    throw new ConfigError('the key file must be a path', { code: 'INVALID_OPTION' });
  }
  // Replaced whole when the key file changes: a decrypt under way keeps the list it started with.
  let keys = 'keyFile' in options ? readKeyFile(options.keyFile) : keysOf('keys' in options ? options.keys : [options.key]);
  return {
    encrypt: (plaintext) => sealSecretbox(toBytes(plaintext), random(NONCE_LENGTH), keys[0]!),
    ...(keyFile === undefined ? {} : { watch: (signal?: AbortSignal) => followKeyFile(keyFile, () => keys, (next) => (keys = next), signal) }),
    decrypt(ciphertext) {
      const sealed = checkSealed(ciphertext);
      for (const key of keys) {
        const opened = openSecretbox(sealed, key);
        if (opened !== undefined) return opened;
      }
      throw decryptError(
        keys.length === 1
          ? 'the value does not decrypt with the key (another key sealed it, or it is damaged)'
          : `the value does not decrypt with any of the ${keys.length} keys (another key sealed it, or it is damaged)`,
      );
    },
  };
}

/**
 * Each key given, copied, index by index: an array is not spread (one of 2 ** 32 - 1 holes ended the process, out of
 * memory), and a string is no list of keys (spread, it was one key a character).
 */
function keysOf(given: unknown): Uint8Array[] {
  if (!Array.isArray(given)) throw new ConfigError('the secretbox keys must be an array of keys', { code: 'INVALID_OPTION' });
  if (given.length === 0) throw new ConfigError('a secretbox needs at least one key', { code: 'INVALID_OPTION' });
  const keys: Uint8Array[] = [];
  for (let index = 0; index < given.length; index++) keys.push(toKey(given[index], given.length === 1 ? 'the secretbox key' : `secretbox key ${index + 1}`));
  return keys;
}

/** The ciphertext as bytes at least as long as a nonce and an authenticator; DECRYPT otherwise (Go panics). */
export function checkSealed(ciphertext: unknown): Uint8Array {
  if (!(ciphertext instanceof Uint8Array)) throw decryptError('an encrypted value must be bytes');
  const least = NONCE_LENGTH + OVERHEAD_LENGTH;
  if (ciphertext.length < least) {
    throw decryptError(`the encrypted value is too short (${ciphertext.length} bytes; a sealed value has at least ${least})`);
  }
  return ciphertext;
}
