/**
 * The identity-based ring signature of Chow, Yiu and Hui, "Efficient identity based ring
 * signature", ACNS 2005, LNCS 3531, pp. 499–512 (§4), mapped to a Type-3 pairing e: G1 × G2 → GT.
 *
 *   Setup    s ∈ Zq*, P_pub = s·P2 ∈ G2                       (paper: P_pub = sP, e symmetric)
 *   Extract  Q_ID = H1(ID) ∈ G1, S_ID = s·Q_ID ∈ G1
 *   Sign     for i ≠ s: U_i = r_i·P1 (a uniformly random point), h_i = H2(m, L, U_i);
 *            r' ∈ Zq*, U_s = r'·Q_s − Σ_{i≠s}(U_i + h_i·Q_i), h_s = H2(m, L, U_s);
 *            V = (h_s + r')·S_s;  σ = (U_1, …, U_n, V)
 *   Verify   e(Σ_i (U_i + h_i·Q_i), P_pub) = e(V, P2)          (paper: ê(P_pub, Σ…) = ê(P, V))
 *
 * Every point a signer computes with or a verifier receives sits in G1; only the fixed P2 and
 * P_pub sit in G2, so verification is one two-pairing product with both G2 points precomputed.
 * Signing computes U_s as one multi-scalar multiplication: Σ_{i≠s} U_i = (Σ r_i)·P1, so
 * U_s = mulVec([Q_s, P1, Q_i≠s], [r', −Σ r_i, −h_i≠s]). Decoys are r_i·P1, never hashed points:
 * mcl's BN254 map is not uniform, and U_s is, so hashed decoys would betray the signer.
 * H2(m, L, U_i) is computed as H2'(H(m, L), U_i): the message and ring are hashed once, not n times.
 */
import mcl, { type Fr, type G1, type G2, type PrecomputedG2 } from 'mcl-wasm';
import { DecodeError } from '../../../codec/decodeError.ts';
import { Writer } from '../../../codec/writer.ts';
import { taggedSha512 } from '../../../crypto/hash.ts';
import { DppError } from '../../../errors.ts';
import { assertCurrent, decodeG1, hashToFr, hashToG1, type PairingContext, randomFr } from './mclCurve.ts';

const TAG_H1 = 'dpp/baselines/cyh05/v1/H1';
const TAG_H2 = 'dpp/baselines/cyh05/v1/H2';
const TAG_ML = 'dpp/baselines/cyh05/v1/message-ring';
const TAG_RING = 'dpp/baselines/cyh05/v1/ring';

/** The public parameters: the curve context and the PKG's P_pub = s·P2, precomputed. */
export interface Cyh05Public {
  readonly ctx: PairingContext;
  readonly mpk: G2;
  readonly mpkPre: PrecomputedG2;
}

/** The PKG: its master secret s and the public parameters. */
export interface Cyh05Master {
  readonly s: Fr;
  readonly pub: Cyh05Public;
}

/** A ring L as a verifier caches it: the identity points Q_i = H1(ID_i) and a digest of the identities. */
export interface Cyh05Ring {
  readonly points: readonly G1[];
  readonly digest: Uint8Array;
}

/** σ = (U_1, …, U_n, V). */
export interface Cyh05Signature {
  readonly u: readonly G1[];
  readonly v: G1;
}

/** A fresh PKG on the context's curve. */
export function cyh05Setup(ctx: PairingContext): Cyh05Master {
  const s = randomFr();
  const mpk = mcl.mul(ctx.g2, s);
  return { s, pub: { ctx, mpk, mpkPre: new mcl.PrecomputedG2(mpk) } };
}

/** Q_ID = H1(ID) ∈ G1. */
export function cyh05IdentityPoint(identity: Uint8Array): G1 {
  return hashToG1(TAG_H1, identity);
}

/** S_ID = s·Q_ID, the private key the PKG extracts for the identity point `q`. */
export function cyh05Extract(master: Cyh05Master, q: G1): G1 {
  return mcl.mul(q, master.s);
}

/** The ring of `identities`, in order, with their hashed points. */
export function cyh05Ring(identities: readonly Uint8Array[]): Cyh05Ring {
  if (identities.length === 0) throw new DppError('CRYPTO_BAD_RING', 'a ring needs at least one member');
  return { points: identities.map(cyh05IdentityPoint), digest: taggedSha512(TAG_RING, ...identities) };
}

/** The ring signature on `message` by ring member `signer`, whose private key is `signerKey`. */
export function cyh05Sign(
  pub: Cyh05Public,
  ring: Cyh05Ring,
  signer: number,
  signerKey: G1,
  message: Uint8Array,
): Cyh05Signature {
  assertCurrent(pub.ctx);
  const n = ring.points.length;
  const qs = ring.points[signer];
  if (!Number.isInteger(signer) || qs === undefined) {
    throw new DppError('CRYPTO_BAD_RING', `signer ${signer} is not in a ring of ${n}`, { signer, n });
  }
  const ml = messageRingDigest(message, ring);
  const u: G1[] = [];
  const points: G1[] = [qs];
  const rPrime = randomFr();
  const scalars: Fr[] = [rPrime];
  let rSum = new mcl.Fr();
  for (let i = 0; i < n; i++) {
    if (i === signer) continue;
    const ri = randomFr();
    rSum = mcl.add(rSum, ri);
    u.push(mcl.mul(pub.ctx.g1, ri));
  }
  mcl.normalizeVec(u);
  for (let i = 0, k = 0; i < n; i++) {
    if (i === signer) continue;
    points.push(ring.points[i]!);
    scalars.push(mcl.neg(h2(ml, u[k++]!)));
  }
  if (n > 1) {
    points.push(pub.ctx.g1);
    scalars.push(mcl.neg(rSum));
  }
  const us = mcl.mulVec(points, scalars);
  const v = mcl.mul(signerKey, mcl.add(h2(ml, us), rPrime));
  u.splice(signer, 0, us);
  return { u, v };
}

/** True when `sig` is a ring signature on `message` by a member of `ring`. */
export function cyh05Verify(
  pub: Cyh05Public,
  ring: Cyh05Ring,
  message: Uint8Array,
  sig: Cyh05Signature,
): boolean {
  assertCurrent(pub.ctx);
  const n = ring.points.length;
  // [REJECT] one U_i per ring member
  if (sig.u.length !== n || n === 0) return false;
  const ml = messageRingDigest(message, ring);
  let sum = sig.u[0]!;
  for (let i = 1; i < n; i++) sum = mcl.add(sum, sig.u[i]!);
  const t = mcl.add(
    sum,
    mcl.mulVec(
      ring.points.slice(),
      sig.u.map((ui) => h2(ml, ui)),
    ),
  );
  // [REJECT] e(Σ(U_i + h_i·Q_i), P_pub) ≠ e(V, P2), checked as e(T, P_pub)·e(−V, P2) = 1
  const product = mcl.precomputedMillerLoop2(t, pub.mpkPre, mcl.neg(sig.v), pub.ctx.g2Pre);
  return mcl.finalExp(product).isOne();
}

/** Bytes of a signature on a ring of n: U_1 ‖ … ‖ U_n ‖ V, each a compressed G1 point. */
export function encodeCyh05Signature(sig: Cyh05Signature): Uint8Array {
  const w = new Writer();
  for (const p of [...sig.u, sig.v]) {
    const b = p.serialize();
    w.fixed(b, b.length);
  }
  return w.finish();
}

/** The signature on a ring of `n` from its bytes, every point checked (./mclCurve.ts); throws DecodeError. */
export function decodeCyh05Signature(ctx: PairingContext, bytes: Uint8Array, n: number): Cyh05Signature {
  const size = ctx.g1Bytes;
  if (bytes.length !== (n + 1) * size) {
    throw new DecodeError('DECODE_BAD_LENGTH', `ring signature of ${bytes.length} bytes for a ring of ${n}`);
  }
  const points = Array.from({ length: n + 1 }, (_, i) =>
    decodeG1(ctx, bytes.subarray(i * size, (i + 1) * size)),
  );
  return { u: points.slice(0, n), v: points[n]! };
}

function messageRingDigest(message: Uint8Array, ring: Cyh05Ring): Uint8Array {
  return taggedSha512(TAG_ML, message, ring.digest);
}

function h2(ml: Uint8Array, u: G1): Fr {
  return hashToFr(TAG_H2, ml, u.serialize());
}
