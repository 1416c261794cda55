/**
 * Hashes from node:crypto (FIPS 180-4 SHA-256 / SHA-512) and domain-separated hashing: every hash
 * that feeds a signature, a proof or a key derivation names its purpose with a tag such as
 * `dpp/rsc/v1/challenge`, and frames each input with its length so that no two input lists collide.
 */
import { createHash } from 'node:crypto';
import { Writer } from '../codec/writer.ts';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(data).digest());
}

/** The unambiguous framing hashed by taggedSha512/taggedSha256: tag, then each part, length-prefixed. */
export function frame(tag: string, parts: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().string(tag).u32(parts.length);
  for (const p of parts) w.bytes(p);
  return w.finish();
}

/** SHA-512 over a tagged, length-framed list of inputs (64 bytes). */
export function taggedSha512(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return sha512(frame(tag, parts));
}

/** SHA-256 over a tagged, length-framed list of inputs (32 bytes). */
export function taggedSha256(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return sha256(frame(tag, parts));
}
