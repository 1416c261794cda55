/**
 * FullIdent, the CCA-secure identity-based encryption of Boneh and Franklin, "Identity-based
 * encryption from the Weil pairing", CRYPTO 2001, LNCS 2139, pp. 213–229 (§4.2; SIAM J. Comput.
 * 32(3), 2003): BasicIdent under the Fujisaki–Okamoto transform, mapped to a Type-3 pairing.
 *
 *   Setup    s ∈ Zq*, P_pub = s·P1 ∈ G1
 *   Extract  Q_ID = H1(ID) ∈ G2, d_ID = s·Q_ID ∈ G2
 *   Encrypt  σ ∈ {0,1}^256, r = H3(σ, M), g_ID = e(P_pub, Q_ID);
 *            C = ⟨U, V, W⟩ = ⟨r·P1, σ ⊕ H2(g_ID^r), M ⊕ H4(σ)⟩
 *   Decrypt  σ = V ⊕ H2(e(U, d_ID)), M = W ⊕ H4(σ), r = H3(σ, M); reject unless U = r·P1
 *
 * Placement: the identity side goes to G2 and the ciphertext side to G1, the cheaper of the two
 * correct choices: encryption is a G1 (not G2) multiplication and a GT exponentiation, the
 * ciphertext carries a 48-byte (not 96-byte) U, and decryption pairs the varying U with the
 * receiver's fixed d_ID, so its Miller loop runs on a precomputed G2 point. A sender caches
 * g_ID = e(P_pub, Q_ID) per receiver (Boneh–Franklin note it depends only on the receiver), so
 * encryption needs no pairing. H4 is a stream (SHAKE256) so that M may have any length, as the
 * paper's "M ⊕ H4(σ)" allows for a hash with variable output; H2 outputs n = 256 bits.
 */
import mcl, { type Fr, type G1, type G2, type GT, type PrecomputedG2 } from 'mcl-wasm';
import { bytesEqual, concatBytes } from '../../../codec/bytes.ts';
import { shake256 } from '../../../crypto/digest.ts';
import { frame, taggedSha256 } from '../../../crypto/hash.ts';
import { systemRandom } from '../../../crypto/scalars.ts';
import { assertCurrent, decodeG1, hashToFr, hashToG2, type PairingContext, randomFr } from './mclCurve.ts';

/** n, the length of σ and of H2's output, in bytes. */
export const BF01_SIGMA_BYTES = 32;

const TAG_H1 = 'dpp/baselines/bf01/v1/H1';
const TAG_H2 = 'dpp/baselines/bf01/v1/H2';
const TAG_H3 = 'dpp/baselines/bf01/v1/H3';
const TAG_H4 = 'dpp/baselines/bf01/v1/H4';

/** The public parameters: the curve context and P_pub = s·P1. */
export interface Bf01Public {
  readonly ctx: PairingContext;
  readonly mpk: G1;
}

/** The PKG: its master secret s and the public parameters. */
export interface Bf01Master {
  readonly s: Fr;
  readonly pub: Bf01Public;
}

/** What a sender caches about a receiver: Q_ID and g_ID = e(P_pub, Q_ID). */
export interface Bf01Recipient {
  readonly q: G2;
  readonly gId: GT;
}

/** A receiver's private key d_ID = s·Q_ID, precomputed for Miller loops. */
export interface Bf01PrivateKey {
  readonly d: G2;
  readonly dPre: PrecomputedG2;
}

/** A fresh PKG on the context's curve. */
export function bf01Setup(ctx: PairingContext): Bf01Master {
  const s = randomFr();
  return { s, pub: { ctx, mpk: mcl.mul(ctx.g1, s) } };
}

/** Q_ID = H1(ID) ∈ G2. */
export function bf01IdentityPoint(identity: Uint8Array): G2 {
  return hashToG2(TAG_H1, identity);
}

/** The sender's cached view of receiver `identity` (one pairing, once per receiver). */
export function bf01Recipient(pub: Bf01Public, identity: Uint8Array): Bf01Recipient {
  const q = bf01IdentityPoint(identity);
  return { q, gId: mcl.pairing(pub.mpk, q) };
}

/** d_ID = s·H1(ID), extracted by the PKG for `identity`. */
export function bf01Extract(master: Bf01Master, identity: Uint8Array): Bf01PrivateKey {
  const d = mcl.mul(bf01IdentityPoint(identity), master.s);
  return { d, dPre: new mcl.PrecomputedG2(d) };
}

/** C = U ‖ V ‖ W, the FullIdent encryption of `message` to `recipient`. */
export function bf01Encrypt(pub: Bf01Public, recipient: Bf01Recipient, message: Uint8Array): Uint8Array {
  assertCurrent(pub.ctx);
  const sigma = systemRandom(BF01_SIGMA_BYTES);
  const r = h3(sigma, message);
  const u = mcl.mul(pub.ctx.g1, r).serialize();
  const v = xor(sigma, h2(mcl.pow(recipient.gId, r)));
  const w = xor(message, h4(sigma, message.length));
  return concatBytes(u, v, w);
}

/** The message of ciphertext C under private key `key`, or null when C is not a valid FullIdent ciphertext. */
export function bf01Decrypt(pub: Bf01Public, key: Bf01PrivateKey, ciphertext: Uint8Array): Uint8Array | null {
  assertCurrent(pub.ctx);
  const g1Bytes = pub.ctx.g1Bytes;
  if (ciphertext.length < g1Bytes + BF01_SIGMA_BYTES) return null;
  const uBytes = ciphertext.subarray(0, g1Bytes);
  let u: G1;
  try {
    // [REJECT] U ∉ G1* (off the curve, outside the order-q subgroup, identity, non-canonical)
    u = decodeG1(pub.ctx, uBytes);
  } catch {
    return null;
  }
  const v = ciphertext.subarray(g1Bytes, g1Bytes + BF01_SIGMA_BYTES);
  const w = ciphertext.subarray(g1Bytes + BF01_SIGMA_BYTES);
  const sigma = xor(v, h2(mcl.finalExp(mcl.precomputedMillerLoop(u, key.dPre))));
  const message = xor(w, h4(sigma, w.length));
  // [REJECT] U ≠ H3(σ, M)·P1 (the Fujisaki–Okamoto check)
  if (!bytesEqual(mcl.mul(pub.ctx.g1, h3(sigma, message)).serialize(), uBytes)) return null;
  return message;
}

function h2(g: GT): Uint8Array {
  return taggedSha256(TAG_H2, g.serialize());
}

function h3(sigma: Uint8Array, message: Uint8Array): Fr {
  return hashToFr(TAG_H3, sigma, message);
}

function h4(sigma: Uint8Array, length: number): Uint8Array {
  return shake256(frame(TAG_H4, [sigma]), length);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
