import { ConfigError } from '../errors.ts';
import { KEY_LENGTH } from './nacl.ts';

/** A key: its 32 bytes, or their base64 (what `microconf keygen` prints). */
export type KeyInput = Uint8Array | string;

/** Text or bytes to encrypt; text is taken as UTF-8. */
export type Plaintext = Uint8Array | string;

/** A copy of a key's 32 bytes; an INVALID_OPTION error naming `what` (never the key) otherwise. */
export function toKey(input: unknown, what: string): Uint8Array {
  const bytes = input instanceof Uint8Array ? input : typeof input === 'string' ? decodeBase64(input.trim()) : undefined;
  if (bytes === undefined || bytes.length !== KEY_LENGTH) {
    throw new ConfigError(`${what} must be ${KEY_LENGTH} bytes, or their base64 (44 characters)`, { code: 'INVALID_OPTION' });
  }
  return Uint8Array.from(bytes);
}

/** The bytes of a plaintext: a string's UTF-8, or a copy of the bytes given. */
export function toBytes(plaintext: unknown): Uint8Array {
  if (typeof plaintext === 'string') return new TextEncoder().encode(plaintext);
  if (plaintext instanceof Uint8Array) return Uint8Array.from(plaintext);
  throw new ConfigError('only a string or a Uint8Array can be encrypted', { code: 'INVALID_OPTION' });
}

/**
 * Strict standard base64 (with its padding): undefined for anything else. Node's decoder skips characters it does
 * not know, so a damaged value would decode to other bytes; the round trip refuses it instead.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A DECRYPT error that says what failed and never what the value was. */
export function decryptError(detail: string): ConfigError {
  return new ConfigError(detail, { code: 'DECRYPT' });
}
