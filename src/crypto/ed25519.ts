/**
 * Ed25519 (RFC 8032) organisation keys from node:crypto. Public keys travel as 32 raw bytes; the
 * KeyObject built from them is cached, since rebuilding it on every verification halves throughput.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { DecodeError } from '../codec/decodeError.ts';

/** An organisation's signing key: the 32-byte seed stays inside the KeyObject. */
export interface OrgKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const publicKeyCache = new Map<string, KeyObject>();
const CACHE_LIMIT = 10_000;

/** A key pair from a 32-byte seed (fresh random when omitted). */
export function orgKeyPair(seed: Uint8Array = randomBytes(32)): OrgKeyPair {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)), privateKey };
}

/** The 64-byte Ed25519 signature of `message`. */
export function orgSign(key: OrgKeyPair, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
export function orgVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  let key: KeyObject;
  try {
    key = publicKeyObject(publicKey);
  } catch {
    return false;
  }
  return verify(null, message, key, signature);
}

/** The cached KeyObject of a raw 32-byte public key; throws DecodeError when it is not a key. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let key = publicKeyCache.get(id);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch (cause) {
      throw new DecodeError('DECODE_INVALID_POINT', 'not an Ed25519 public key', { cause: String(cause) });
    }
    if (publicKeyCache.size >= CACHE_LIMIT) publicKeyCache.clear();
    publicKeyCache.set(id, key);
  }
  return key;
}
