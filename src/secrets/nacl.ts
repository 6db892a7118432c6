import { onFirstUse } from '../on-first-use.ts';

// Only `enc:` values and key generation need these: loaded then, not when microconf is imported.
const tweetnacl = onFirstUse<typeof import('tweetnacl')>('tweetnacl');
const crypto = onFirstUse<typeof import('node:crypto')>('node:crypto');

/** Bytes in a secretbox key, a box public or private key. */
export const KEY_LENGTH = 32;
/** Bytes of the nonce that starts every sealed value. */
export const NONCE_LENGTH = 24;
/** Bytes the authenticator adds to a message. */
export const OVERHEAD_LENGTH = 16;

/** Go's `secretbox.Seal(nonce[:], message, &nonce, &key)`: the nonce, then the sealed message. */
export function sealSecretbox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return withNonce(nonce, tweetnacl().secretbox(message, nonce, key));
}

/** Opens a secretbox value (nonce ‖ sealed); undefined when it is too short or does not authenticate. */
export function openSecretbox(sealed: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (sealed.length < NONCE_LENGTH + OVERHEAD_LENGTH) return undefined;
  return tweetnacl().secretbox.open(sealed.subarray(NONCE_LENGTH), sealed.subarray(0, NONCE_LENGTH), key) ?? undefined;
}

/** Go's `box.Seal(nonce[:], message, &nonce, &recipientPublicKey, &senderPrivateKey)`. */
export function sealBox(message: Uint8Array, nonce: Uint8Array, recipientPublicKey: Uint8Array, senderPrivateKey: Uint8Array): Uint8Array {
  return withNonce(nonce, tweetnacl().box(message, nonce, recipientPublicKey, senderPrivateKey));
}

/** Opens a box value (nonce ‖ sealed); undefined when it is too short or does not authenticate. */
export function openBox(sealed: Uint8Array, senderPublicKey: Uint8Array, recipientPrivateKey: Uint8Array): Uint8Array | undefined {
  if (sealed.length < NONCE_LENGTH + OVERHEAD_LENGTH) return undefined;
  return tweetnacl().box.open(sealed.subarray(NONCE_LENGTH), sealed.subarray(0, NONCE_LENGTH), senderPublicKey, recipientPrivateKey) ?? undefined;
}

/** The public key that belongs to a box private key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return tweetnacl().box.keyPair.fromSecretKey(privateKey).publicKey;
}

/** Random bytes from the system's secure generator (a nonce must never repeat under one key). */
export function random(length: number): Uint8Array {
  return new Uint8Array(crypto().randomBytes(length));
}

function withNonce(nonce: Uint8Array, sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, nonce.length);
  return out;
}
