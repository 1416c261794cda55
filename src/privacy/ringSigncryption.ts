/**
 * Traceable ring signcryption (docs/privacy.md §4; reference construction in the design notes).
 * A ring member π with pseudonym key Y_π = y·B sends message m to a receiver Z so that
 *   - anyone can check that some member of the ring L sent it (public `verify`, no secret),
 *   - only Z's owner can read it (`unsigncrypt`),
 *   - the regulator (P = s·B) can tell which member sent it, and prove it (./trace.ts).
 *
 * Trace tag (ElGamal of Y_π to P):  T1 = a·B,  T2 = Y_π + a·P.
 * KEM/DEM: K = k·B, key = HKDF(k·Z, salt K ‖ Z, "dpp/rsc/v1/kem"),
 *          c = ChaCha20-Poly1305(key, 0¹², m, ad = SHA-256 of (context, P, L, Z, K, T1, T2)).
 * One Fiat–Shamir transcript h = SHA-512 of (0x01, context, P, L, Z, K, c, T1, T2, A1, A2) binds:
 *   (a) a proof of representation: knowledge of (y, a) with T1 = a·B, T2 = y·B + a·P
 *       (A1 = ka·B, A2 = ky·B + ka·P, e = H(h), zY = ky − e·y, zA = ka − e·a);
 *   (b) an Abe–Ohkubo–Suzuki OR proof that for some i, log_B(T1) = log_P(T2 − Y_i), with the two
 *       equations of each branch batched by a transcript-derived weight w = H(h): the branch
 *       statement is X_i = x·G with G = w·B + P and X_i = (w·T1 + T2) − Y_i, so
 *       c_{i+1} = H(h, i, s_i·G + c_i·X_i), and the ring closes at c_n = c_0.
 *       Together with (a) this proves what the reference's two-equation branches prove (docs/privacy.md
 *       §6) at two variable-base multiplications per member instead of one fixed- and three variable-base.
 * Nonces are hedged: derived from fresh randomness, the secret y and the message.
 */
import { bytesEqual, concatBytes } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { AEAD_NONCE_BYTES, aeadOpen, aeadSeal } from '../crypto/aead.ts';
import type { Group, Point, Scalar } from '../crypto/group.ts';
import { taggedSha256, taggedSha512 } from '../crypto/hash.ts';
import { hkdfSha256 } from '../crypto/kdf.ts';
import { hashToScalar, type RandomSource, systemRandom } from '../crypto/scalars.ts';
import type { KeyPair } from './keyPair.ts';
import { PrivacyError } from './privacyError.ts';
import { isCanonicalRing, type Ring } from './ring.ts';
import {
  encodeContext,
  MAX_CONTEXT_FIELD_BYTES,
  MAX_MESSAGE_BYTES,
  type Signcryption,
  type SigncryptionContext,
} from './signcryptionEncoding.ts';

/** The public parameters every party shares: the group and the regulator's tracing key P. */
export interface RscParams {
  readonly group: Group;
  readonly regulatorKey: Point;
}

/** A member's pseudonym key pair (y, Y = y·B). */
export type PseudonymKeyPair = KeyPair;

/** A receiver's key pair (z, Z = z·B). */
export type ReceiverKeyPair = KeyPair;

const ZERO_NONCE = new Uint8Array(AEAD_NONCE_BYTES);

/** Signcrypts `message` from `signer` (a member of `ring`) to `receiver`, bound to `context`. */
export function signcrypt(
  params: RscParams,
  signer: PseudonymKeyPair,
  ring: Ring,
  receiver: Point,
  context: SigncryptionContext,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): Signcryption {
  return signcryptKeepingTraceSecret(params, signer, ring, receiver, context, message, random).signcryption;
}

/**
 * `signcrypt`, also returning the trace tag's randomness a (T1 = a·B) for a sender that may later
 * prove the signcryption is its own (./sendership.ts). Whoever holds a can compute the sender's key
 * (T2 − a·P): keep it as secret as the pseudonym key.
 */
export function signcryptKeepingTraceSecret(
  params: RscParams,
  signer: PseudonymKeyPair,
  ring: Ring,
  receiver: Point,
  context: SigncryptionContext,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): { readonly signcryption: Signcryption; readonly traceSecret: Scalar } {
  const { group, regulatorKey: P } = params;
  const L = ring.members;
  const pi = L.findIndex((y) => bytesEqual(y, signer.publicKey));
  if (pi < 0) throw new PrivacyError('PRIVACY_NOT_IN_RING', 'the signer’s pseudonym is not in the ring');
  if (!isCanonicalRing(L)) throw new PrivacyError('PRIVACY_RING_INVALID', 'ring is not canonical');
  assertSizes(context, message);
  const ctx = encodeContext(context);
  const ringBytes = concatBytes(...L);

  // Hedged nonces: one seed from fresh randomness, the secret and everything signed.
  const seed = taggedSha512(
    'dpp/rsc/v1/nonce-seed',
    random(32),
    signer.secret,
    message,
    ctx,
    receiver,
    ringBytes,
  );
  const nonce = (label: string, i = 0): Scalar =>
    hashToScalar(group, 'dpp/rsc/v1/nonce', seed, tagBytes(label, i));

  // Trace tag and KEM/DEM.
  const a = nonce('a');
  const t1 = group.mulBase(a);
  const t2 = group.add(signer.publicKey, group.mul(a, P));
  const k = nonce('k');
  const kemShare = group.mulBase(k);
  const key = kemKey(group.mul(k, receiver), kemShare, receiver);
  const ad = associatedData(ctx, P, ringBytes, receiver, kemShare, t1, t2);
  const ciphertext = aeadSeal(key, ZERO_NONCE, message, ad);

  // (a) representation proof commitments, then the shared transcript.
  const ky = nonce('ky');
  const ka = nonce('ka');
  const A1 = group.mulBase(ka);
  const A2 = group.add(group.mulBase(ky), group.mul(ka, P));
  const h = transcript(ctx, P, ringBytes, receiver, kemShare, ciphertext, t1, t2, A1, A2);
  const e = hashToScalar(group, 'dpp/rsc/v1/representation', h);
  const zY = group.scalarSub(ky, group.scalarMul(e, signer.secret));
  const zA = group.scalarSub(ka, group.scalarMul(e, a));

  // (b) AOS ring over X_i = x·G: start at π with a fresh commitment, simulate every other branch, close at π.
  const { G, C } = branchBases(group, P, t1, t2, h);
  const n = L.length;
  const c: Scalar[] = new Array(n);
  const s: Scalar[] = new Array(n);
  const u = nonce('u');
  c[(pi + 1) % n] = ringChallenge(group, h, pi, group.mul(u, G));
  for (let step = 1; step < n; step++) {
    const i = (pi + step) % n;
    s[i] = nonce('s', i);
    c[(i + 1) % n] = ringChallenge(group, h, i, branchCommitment(group, G, C, L[i]!, s[i]!, c[i]!));
  }
  // X_π = w·a·B + Y_π + a·P − Y_π = a·G, so the real branch closes with the trace tag's a.
  s[pi] = group.scalarSub(u, group.scalarMul(c[pi]!, a));

  return {
    signcryption: { context, receiver, kemShare, t1, t2, ciphertext, e, zY, zA, c0: c[0]!, responses: s },
    traceSecret: a,
  };
}

/** Public verification (a validator, a forwarder): true when some member of `ring` made `sc`. */
export function verify(params: RscParams, sc: Signcryption, ring: Ring): boolean {
  const { group, regulatorKey: P } = params;
  const L = ring.members;
  // [REJECT] a ring that is not canonical, or a response vector of another length
  if (!isCanonicalRing(L) || sc.responses.length !== L.length) return false;
  const ctx = encodeContext(sc.context);
  const ringBytes = concatBytes(...L);

  // (a) A1 = zA·B + e·T1, A2 = zY·B + zA·P + e·T2, and e must be the transcript's challenge.
  const A1 = group.add(group.mulBase(sc.zA), group.mul(sc.e, sc.t1));
  const A2 = group.add(group.add(group.mulBase(sc.zY), group.mul(sc.zA, P)), group.mul(sc.e, sc.t2));
  const h = transcript(ctx, P, ringBytes, sc.receiver, sc.kemShare, sc.ciphertext, sc.t1, sc.t2, A1, A2);
  if (!bytesEqual(hashToScalar(group, 'dpp/rsc/v1/representation', h), sc.e)) return false;

  // (b) walk the ring from c0; it must close on c0.
  const { G, C } = branchBases(group, P, sc.t1, sc.t2, h);
  let c = sc.c0;
  for (let i = 0; i < L.length; i++) {
    c = ringChallenge(group, h, i, branchCommitment(group, G, C, L[i]!, sc.responses[i]!, c));
  }
  return bytesEqual(c, sc.c0);
}

/**
 * The receiver verifies and decrypts: the message, or null when `sc` does not verify, is addressed
 * to another key, or does not decrypt.
 */
export function unsigncrypt(
  params: RscParams,
  sc: Signcryption,
  ring: Ring,
  receiver: ReceiverKeyPair,
): Uint8Array | null {
  if (!bytesEqual(sc.receiver, receiver.publicKey)) return null;
  if (!verify(params, sc, ring)) return null;
  return openWithSharedSecret(params, sc, ring, params.group.mul(receiver.secret, sc.kemShare));
}

/** Decrypts `sc` given the KEM secret z·K (the receiver's, or one it proved; see ./decryptionProof.ts). */
export function openWithSharedSecret(
  params: RscParams,
  sc: Signcryption,
  ring: Ring,
  shared: Point,
): Uint8Array | null {
  const ringBytes = concatBytes(...ring.members);
  const ad = associatedData(
    encodeContext(sc.context),
    params.regulatorKey,
    ringBytes,
    sc.receiver,
    sc.kemShare,
    sc.t1,
    sc.t2,
  );
  return aeadOpen(kemKey(shared, sc.kemShare, sc.receiver), ZERO_NONCE, sc.ciphertext, ad);
}

/**
 * The batched branch bases: w = H(h), G = w·B + P and C = w·T1 + T2, so that branch i states
 * X_i = C − Y_i = x·G. For the real branch x = a; w is fixed only after T1, T2 are, so a prover
 * that does not know log_B(P) cannot satisfy a branch whose two equations disagree.
 */
function branchBases(group: Group, P: Point, t1: Point, t2: Point, h: Uint8Array): { G: Point; C: Point } {
  const w = hashToScalar(group, 'dpp/rsc/v1/weight', h);
  return { G: group.add(group.mulBase(w), P), C: group.add(group.mul(w, t1), t2) };
}

/** R = s·G + c·(C − Y): one branch of the OR proof. */
function branchCommitment(group: Group, G: Point, C: Point, y: Point, s: Scalar, c: Scalar): Point {
  return group.add(group.mul(s, G), group.mul(c, group.sub(C, y)));
}

function ringChallenge(group: Group, h: Uint8Array, i: number, r: Point): Scalar {
  return hashToScalar(group, 'dpp/rsc/v1/ring', h, tagBytes('branch', i), r);
}

function transcript(ctx: Uint8Array, ...rest: readonly Uint8Array[]): Uint8Array {
  return taggedSha512('dpp/rsc/v1/transcript', Uint8Array.of(1), ctx, ...rest);
}

function associatedData(ctx: Uint8Array, ...rest: readonly Uint8Array[]): Uint8Array {
  return taggedSha256('dpp/rsc/v1/ad', ctx, ...rest);
}

function kemKey(shared: Point, kemShare: Point, receiver: Point): Uint8Array {
  return hkdfSha256(shared, concatBytes(kemShare, receiver), 'dpp/rsc/v1/kem');
}

function tagBytes(label: string, i: number): Uint8Array {
  return new Writer().string(label).u32(i).finish();
}

function assertSizes(context: SigncryptionContext, message: Uint8Array): void {
  if (message.length > MAX_MESSAGE_BYTES) {
    throw new PrivacyError('PRIVACY_MESSAGE_TOO_LARGE', `message exceeds ${MAX_MESSAGE_BYTES} bytes`, {
      length: message.length,
    });
  }
  const te = new TextEncoder();
  for (const field of [te.encode(context.chainId), te.encode(context.purpose), context.nonce]) {
    if (field.length > MAX_CONTEXT_FIELD_BYTES) {
      throw new PrivacyError(
        'PRIVACY_MESSAGE_TOO_LARGE',
        `a context field exceeds ${MAX_CONTEXT_FIELD_BYTES} bytes`,
      );
    }
  }
}
