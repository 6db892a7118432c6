import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

/** Bytes in a secretbox key, a box public or private key. */
export const KEY_LENGTH = 32;
/** Bytes of the nonce that starts every sealed value. */
export const NONCE_LENGTH = 24;
/** Bytes the authenticator adds to a message. */
export const OVERHEAD_LENGTH = 16;

/** Go's `secretbox.Seal(nonce[:], message, &nonce, &key)`: the nonce, then the sealed message. */
export function sealSecretbox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return withNonce(nonce, nacl.secretbox(message, nonce, key));
}

/** Opens a secretbox value (nonce ‖ sealed); undefined when it is too short or does not authenticate. */
export function openSecretbox(sealed: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (sealed.length < NONCE_LENGTH + OVERHEAD_LENGTH) return undefined;
  return nacl.secretbox.open(sealed.subarray(NONCE_LENGTH), sealed.subarray(0, NONCE_LENGTH), key) ?? undefined;
}

/** Go's `box.Seal(nonce[:], message, &nonce, &recipientPublicKey, &senderPrivateKey)`. */
export function sealBox(message: Uint8Array, nonce: Uint8Array, recipientPublicKey: Uint8Array, senderPrivateKey: Uint8Array): Uint8Array {
  return withNonce(nonce, nacl.box(message, nonce, recipientPublicKey, senderPrivateKey));
}

/** Opens a box value (nonce ‖ sealed); undefined when it is too short or does not authenticate. */
export function openBox(sealed: Uint8Array, senderPublicKey: Uint8Array, recipientPrivateKey: Uint8Array): Uint8Array | undefined {
  if (sealed.length < NONCE_LENGTH + OVERHEAD_LENGTH) return undefined;
  return nacl.box.open(sealed.subarray(NONCE_LENGTH), sealed.subarray(0, NONCE_LENGTH), senderPublicKey, recipientPrivateKey) ?? undefined;
}

/** The public key that belongs to a box private key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return nacl.box.keyPair.fromSecretKey(privateKey).publicKey;
}

/** Random bytes from the system's secure generator (a nonce must never repeat under one key). */
export function random(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

function withNonce(nonce: Uint8Array, sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, nonce.length);
  return out;
}
