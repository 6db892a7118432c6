import type { AbortSignalLike } from '../abort-signal.ts';
import { ConfigError } from '../errors.ts';
import { decodeBase64, decryptError, encodeBase64, type Plaintext } from './bytes.ts';

/** Opens sealed values: what `createConfig({ decrypt })` takes (`secretbox(…)`, `box(…)`, or one of your own). */
export interface Decrypter {
  /** The plaintext of a sealed value (nonce ‖ sealed); throws a ConfigError with code DECRYPT when it does not open. */
  decrypt(ciphertext: Uint8Array): Uint8Array;
  /**
   * Yields each time the keys changed (a key file rewritten), after which a config decrypts every source's values
   * again; a rewrite that cannot be used rejects one read and leaves the keys in force. Ends when the signal aborts.
   */
  watch?(signal?: AbortSignalLike): AsyncIterable<void>;
}

/** Seals values with a random nonce: nonce ‖ sealed, Go Config's format. */
export interface Encrypter {
  /** Seals a plaintext (a string is taken as UTF-8). */
  encrypt(plaintext: Plaintext): Uint8Array;
}

/** What starts an encrypted value in any source: `enc:` then the base64 of nonce ‖ sealed. */
export const ENCRYPTED_PREFIX = 'enc:';

/** True for a string written as an encrypted value (`enc:…`). */
export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

/** `enc:` and the base64 of the sealed plaintext. */
export function encryptValue(encrypter: Encrypter, plaintext: Plaintext): string {
  return ENCRYPTED_PREFIX + encodeBase64(encrypter.encrypt(plaintext));
}

/**
 * The text an `enc:…` value holds. Any failure (not `enc:`, not base64, the decrypter refusing or throwing, not
 * UTF-8) is a ConfigError with code DECRYPT that says which step failed and carries nothing of the value.
 */
export function decryptValue(decrypter: Decrypter, value: string): string {
  if (!isEncrypted(value)) throw decryptError(`an encrypted value starts with "${ENCRYPTED_PREFIX}"`);
  const sealed = decodeBase64(value.slice(ENCRYPTED_PREFIX.length));
  if (sealed === undefined) throw decryptError(`the encrypted value is not standard base64 after "${ENCRYPTED_PREFIX}"`);
  let plaintext: Uint8Array;
  try {
    plaintext = decrypter.decrypt(sealed);
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'DECRYPT') throw error;
    // Another decrypter's error may quote what it was given: it is not passed on.
    throw decryptError('the decrypter failed');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext);
  } catch {
    throw decryptError('the decrypted value is not UTF-8 text');
  }
}
