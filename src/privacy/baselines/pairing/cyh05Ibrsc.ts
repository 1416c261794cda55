/**
 * `cyh05-ibrsc`: a one-key, one-pass identity-based ring signcryption assembled from the Chow–Yiu–Hui
 * ring signature (ACNS 2005, ./cyh05RingSignature.ts) and a Boneh–Franklin-style key encapsulation
 * (CRYPTO 2001) under the same PKG. It is NOT a published scheme: it stands in for the first IBRSC,
 * Huang et al. (AINA 2005), whose equations could not be obtained here (docs/privacy-baselines.md).
 * It is the cost floor of that family: the pre-2008 IBRSCs need a number of pairings linear in the
 * ring size (Zhu, Zhang and Wang, 2008), whereas this one needs three Miller loops whatever n is.
 *
 *   Setup        s ∈ Zq*, P_pub = s·P2 ∈ G2;  Q_ID = H1(ID) ∈ G1, S_ID = s·Q_ID ∈ G1 (one key per user)
 *   Signcrypt    r ∈ Zq*, R = r·P2 ∈ G2, ω = g_B^r with g_B = e(Q_B, P_pub) cached, k = H3(ω, R, ID_B);
 *                σ = CYH05 ring signature on (m, ID_B, R) (binds the signature to this encapsulation);
 *                c = ChaCha20-Poly1305_k(m ‖ σ, ad = R);  output R ‖ c
 *   Unsigncrypt  R ∈ G2 checked, ω = e(S_B, R), k = H3(ω, R, ID_B), open c, verify σ
 *
 * With one key per user serving both as sender and as receiver, the identity points must sit in G1
 * (the ring signature's n points), so the encapsulation R goes to G2 and the receiver's pairing
 * e(S_B, R) cannot use a precomputed G2 point.
 */
import mcl, { type G1, type G2, type GT } from 'mcl-wasm';
import { concatBytes, utf8 } from '../../../codec/bytes.ts';
import { Reader } from '../../../codec/reader.ts';
import { Writer } from '../../../codec/writer.ts';
import { AEAD_NONCE_BYTES, aeadOpen, aeadSeal } from '../../../crypto/aead.ts';
import { frame, taggedSha256 } from '../../../crypto/hash.ts';
import type { BenchableScheme, PreparedRing } from '../scheme.ts';
import {
  type Cyh05Master,
  type Cyh05Ring,
  cyh05Extract,
  cyh05IdentityPoint,
  cyh05Ring,
  cyh05Setup,
  cyh05Sign,
  cyh05Verify,
  decodeCyh05Signature,
  encodeCyh05Signature,
} from './cyh05RingSignature.ts';
import {
  assertCurrent,
  decodeG2,
  type PairingContext,
  type PairingCurve,
  randomFr,
  useCurve,
} from './mclCurve.ts';
import { ringIdentities, signerPoint } from './ringIdentities.ts';

/** The largest message unsigncrypt accepts (a cap for the decoder, not a limit of the scheme). */
export const CYH05_IBRSC_MAX_MESSAGE_BYTES = 1 << 20;

const TAG_H3 = 'dpp/baselines/cyh05-ibrsc/v1/H3';
const TAG_SIGNED = 'dpp/baselines/cyh05-ibrsc/v1/signed';
/** The key is fresh for every signcryption, so one fixed nonce is safe. */
const NONCE = new Uint8Array(AEAD_NONCE_BYTES);

/** Everything prepare() caches: the PKG's public parameters, the ring, the signer's and the receiver's keys. */
export interface Cyh05IbrscParties {
  readonly ctx: PairingContext;
  readonly pkg: Cyh05Master;
  readonly ring: Cyh05Ring;
  readonly signer: number;
  readonly signerKey: G1;
  readonly receiverId: Uint8Array;
  /** g_B = e(Q_B, P_pub), cached by the sender. */
  readonly receiverG: GT;
  /** S_B = s·Q_B. */
  readonly receiverKey: G1;
}

/** Keys for `ringIds` (signer at index `signer`) and `receiverId` under the given or a fresh PKG. */
export function cyh05IbrscParties(
  ctx: PairingContext,
  ringIds: readonly Uint8Array[],
  signer: number,
  receiverId: Uint8Array,
  pkg: Cyh05Master = cyh05Setup(ctx),
): Cyh05IbrscParties {
  const ring = cyh05Ring(ringIds);
  const qb = cyh05IdentityPoint(receiverId);
  return {
    ctx,
    pkg,
    ring,
    signer,
    signerKey: cyh05Extract(pkg, signerPoint(ring, signer)),
    receiverId,
    receiverG: mcl.pairing(qb, pkg.pub.mpk),
    receiverKey: cyh05Extract(pkg, qb),
  };
}

/** R ‖ c: the signer's signcryption of `message` to the receiver. */
export function cyh05IbrscSigncrypt(parties: Cyh05IbrscParties, message: Uint8Array): Uint8Array {
  const { ctx, pkg, ring, signer, signerKey, receiverId } = parties;
  assertCurrent(ctx);
  const r = randomFr();
  const rBytes = mcl.mul(ctx.g2, r).serialize();
  const key = kdf(mcl.pow(parties.receiverG, r), rBytes, receiverId);
  const sig = cyh05Sign(pkg.pub, ring, signer, signerKey, signedMessage(message, receiverId, rBytes));
  const sigBytes = encodeCyh05Signature(sig);
  const payload = new Writer().bytes(message).fixed(sigBytes, sigBytes.length).finish();
  return concatBytes(rBytes, aeadSeal(key, NONCE, payload, rBytes));
}

/** Decapsulates, decrypts and verifies as the receiver: the message, or null on any failure. */
export function cyh05IbrscUnsigncrypt(
  parties: Cyh05IbrscParties,
  signcryption: Uint8Array,
): Uint8Array | null {
  const { ctx, pkg, ring, receiverId } = parties;
  assertCurrent(ctx);
  const rBytes = signcryption.subarray(0, ctx.g2Bytes);
  let rPoint: G2;
  try {
    // [REJECT] R ∉ G2* (off the twist, outside the order-q subgroup, identity, non-canonical)
    rPoint = decodeG2(ctx, rBytes);
  } catch {
    return null;
  }
  const key = kdf(mcl.pairing(parties.receiverKey, rPoint), rBytes, receiverId);
  // [REJECT] c does not authenticate under k
  const payload = aeadOpen(key, NONCE, signcryption.subarray(ctx.g2Bytes), rBytes);
  if (payload === null) return null;
  try {
    const reader = new Reader(payload, 'cyh05-ibrsc payload');
    const message = reader.bytes(CYH05_IBRSC_MAX_MESSAGE_BYTES);
    const sig = decodeCyh05Signature(ctx, reader.fixed(reader.remaining), ring.points.length);
    // [REJECT] σ is not a ring signature of (m, ID_B, R) by the ring
    return cyh05Verify(pkg.pub, ring, signedMessage(message, receiverId, rBytes), sig) ? message : null;
  } catch {
    return null;
  }
}

/** `cyh05-ibrsc` on `curve`, as the benchmark drives it. */
export function cyh05IbrscScheme(curve: PairingCurve): BenchableScheme {
  return {
    scheme: 'cyh05-ibrsc',
    curve,
    async prepare(n: number, signer: number): Promise<PreparedRing> {
      const ctx = await useCurve(curve);
      const parties = cyh05IbrscParties(ctx, ringIdentities(n, signer), signer, utf8('receiver'));
      return {
        signcrypt: (message) => cyh05IbrscSigncrypt(parties, message),
        unsigncrypt: (signcryption) => cyh05IbrscUnsigncrypt(parties, signcryption),
      };
    },
  };
}

function kdf(omega: GT, rBytes: Uint8Array, receiverId: Uint8Array): Uint8Array {
  return taggedSha256(TAG_H3, omega.serialize(), rBytes, receiverId);
}

function signedMessage(message: Uint8Array, receiverId: Uint8Array, rBytes: Uint8Array): Uint8Array {
  return frame(TAG_SIGNED, [message, receiverId, rBytes]);
}
