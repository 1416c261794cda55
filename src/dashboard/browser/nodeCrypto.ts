/**
 * The one node:crypto function left in the browser bundle once digest.ts, kdf.ts, aead.ts,
 * ed25519.ts and codec/bytes.ts are replaced: `randomBytes` (crypto/scalars.ts), from the Web
 * Crypto CSPRNG. Any other node:crypto import fails the build, which is the point.
 */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536)
    crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65_536)));
  return out;
}
