/**
 * Hashes (FIPS 180-4 SHA-256 / SHA-512 from ./digest.ts, node:crypto) and domain-separated hashing: every hash
 * that feeds a signature, a proof or a key derivation names its purpose with a tag such as
 * `dpp/rsc/v1/challenge`, and frames each input with its length so that no two input lists collide.
 */
import { sha256, sha256Hasher, sha512 } from './digest.ts';

export { sha256, sha256Hasher, sha512 };

/**
 * The unambiguous framing hashed by taggedSha512/taggedSha256, the same bytes as the canonical
 * Writer would produce: u32 tag length ‖ tag (UTF-8) ‖ u32 part count ‖ (u32 length ‖ part)*.
 */
export function frame(tag: string, parts: readonly Uint8Array[]): Uint8Array {
  const tagBytes = encodedTag(tag);
  let size = tagBytes.length + 4;
  for (const p of parts) size += 4 + p.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(tagBytes, 0);
  let at = tagBytes.length;
  view.setUint32(at, parts.length);
  at += 4;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

const tagCache = new Map<string, Uint8Array>();

/** u32 length ‖ UTF-8 of a domain tag, cached (tags are a small fixed set). */
function encodedTag(tag: string): Uint8Array {
  let bytes = tagCache.get(tag);
  if (bytes === undefined) {
    const utf8 = new TextEncoder().encode(tag);
    bytes = new Uint8Array(4 + utf8.length);
    new DataView(bytes.buffer).setUint32(0, utf8.length);
    bytes.set(utf8, 4);
    if (tagCache.size < 1024) tagCache.set(tag, bytes);
  }
  return bytes;
}

/** SHA-512 over a tagged, length-framed list of inputs (64 bytes). */
export function taggedSha512(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return sha512(frame(tag, parts));
}

/** SHA-256 over a tagged, length-framed list of inputs (32 bytes). */
export function taggedSha256(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return sha256(frame(tag, parts));
}
