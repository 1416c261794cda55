/**
 * The untraceable pairing-free composition, for comparison only: ECIES-style encryption to the
 * receiver, then an Abe–Ohkubo–Suzuki ring signature (AOS, ASIACRYPT 2002, discrete-log version)
 * over the ciphertext. It is publicly verifiable and anonymous like ours but has no trace tag and
 * no representation proof, so nobody — not even the regulator — can tell who signed. The cost
 * difference against ours is the price of traceability.
 *
 *   K = k·B, key = HKDF(k·Z, salt K ‖ Z, "dpp/untraceable/v1/kem"), c = ChaCha20-Poly1305(key, 0¹², m, ad = Z)
 *   ring signature over h = SHA-512(L, Z, K, c): c_{i+1} = H(h, i, s_i·B + c_i·Y_i), closes at c_0
 *   encoding: Z ‖ K ‖ bytes c ‖ c0 ‖ u16 n ‖ s_0 … s_{n−1}
 */
import { bytesEqual, concatBytes } from '../../codec/bytes.ts';
import { DecodeError } from '../../codec/decodeError.ts';
import { Reader } from '../../codec/reader.ts';
import { Writer } from '../../codec/writer.ts';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from '../../crypto/aead.ts';
import { decodeScalar, ELEMENT_BYTES, type Group, type Point, type Scalar } from '../../crypto/group.ts';
import { taggedSha512 } from '../../crypto/hash.ts';
import { hkdfSha256 } from '../../crypto/kdf.ts';
import { hashToScalar, randomScalar, systemRandom } from '../../crypto/scalars.ts';
import { generateKeyPair } from '../keyPair.ts';
import { MAX_RING, type Ring, ringOf } from '../ring.ts';
import type { PseudonymKeyPair, ReceiverKeyPair } from '../ringSigncryption.ts';
import { MAX_MESSAGE_BYTES } from '../signcryptionEncoding.ts';
import type { BenchableScheme } from './scheme.ts';

/** An untraceable ring signcryption. */
export interface UntraceableSigncryption {
  readonly receiver: Point;
  readonly kemShare: Point;
  readonly ciphertext: Uint8Array;
  readonly c0: Scalar;
  readonly responses: readonly Scalar[];
}

const ZERO_NONCE = new Uint8Array(AEAD_NONCE_BYTES);

/** Encrypts `message` to `receiver`, then ring-signs the ciphertext as `signer`. */
export function untraceableSigncrypt(
  group: Group,
  signer: PseudonymKeyPair,
  ring: Ring,
  receiver: Point,
  message: Uint8Array,
): UntraceableSigncryption {
  const L = ring.members;
  const pi = L.findIndex((y) => bytesEqual(y, signer.publicKey));
  if (pi < 0) throw new RangeError('signer not in ring');
  const seed = taggedSha512('dpp/untraceable/v1/nonce-seed', systemRandom(32), signer.secret, message);
  const nonce = (i: number): Scalar => hashToScalar(group, 'dpp/untraceable/v1/nonce', seed, u32(i));
  const k = randomScalar(group);
  const kemShare = group.mulBase(k);
  const ciphertext = aeadSeal(
    kemKey(group.mul(k, receiver), kemShare, receiver),
    ZERO_NONCE,
    message,
    receiver,
  );
  const h = taggedSha512('dpp/untraceable/v1/transcript', concatBytes(...L), receiver, kemShare, ciphertext);
  const n = L.length;
  const c: Scalar[] = new Array(n);
  const s: Scalar[] = new Array(n);
  const u = nonce(n);
  c[(pi + 1) % n] = challenge(group, h, pi, group.mulBase(u));
  for (let step = 1; step < n; step++) {
    const i = (pi + step) % n;
    s[i] = nonce(i);
    c[(i + 1) % n] = challenge(group, h, i, group.add(group.mulBase(s[i]!), group.mul(c[i]!, L[i]!)));
  }
  s[pi] = group.scalarSub(u, group.scalarMul(c[pi]!, signer.secret));
  return { receiver, kemShare, ciphertext, c0: c[0]!, responses: s };
}

/** Public verification of the ring signature. */
export function untraceableVerify(group: Group, sc: UntraceableSigncryption, ring: Ring): boolean {
  const L = ring.members;
  if (sc.responses.length !== L.length) return false;
  const h = taggedSha512(
    'dpp/untraceable/v1/transcript',
    concatBytes(...L),
    sc.receiver,
    sc.kemShare,
    sc.ciphertext,
  );
  let c = sc.c0;
  for (let i = 0; i < L.length; i++) {
    c = challenge(group, h, i, group.add(group.mulBase(sc.responses[i]!), group.mul(c, L[i]!)));
  }
  return bytesEqual(c, sc.c0);
}

/** Verifies, then decrypts as the receiver; null on any failure. */
export function untraceableUnsigncrypt(
  group: Group,
  sc: UntraceableSigncryption,
  ring: Ring,
  receiver: ReceiverKeyPair,
): Uint8Array | null {
  if (!bytesEqual(sc.receiver, receiver.publicKey) || !untraceableVerify(group, sc, ring)) return null;
  const key = kemKey(group.mul(receiver.secret, sc.kemShare), sc.kemShare, sc.receiver);
  return aeadOpen(key, ZERO_NONCE, sc.ciphertext, sc.receiver);
}

/** Canonical bytes. */
export function encodeUntraceable(sc: UntraceableSigncryption): Uint8Array {
  const w = new Writer()
    .fixed(sc.receiver, ELEMENT_BYTES)
    .fixed(sc.kemShare, ELEMENT_BYTES)
    .bytes(sc.ciphertext);
  w.fixed(sc.c0, ELEMENT_BYTES).u16(sc.responses.length);
  for (const s of sc.responses) w.fixed(s, ELEMENT_BYTES);
  return w.finish();
}

/** Strict decoding (valid points, canonical scalars, bounded lengths). */
export function decodeUntraceable(group: Group, bytes: Uint8Array): UntraceableSigncryption {
  const r = new Reader(bytes, 'untraceable signcryption');
  const receiver = group.decodePoint(r.fixed(ELEMENT_BYTES));
  const kemShare = group.decodePoint(r.fixed(ELEMENT_BYTES));
  const ciphertext = r.bytes(MAX_MESSAGE_BYTES + AEAD_TAG_BYTES);
  const c0 = decodeScalar(r.fixed(ELEMENT_BYTES));
  const n = r.u16();
  if (n < 1 || n > MAX_RING)
    throw new DecodeError('DECODE_OUT_OF_RANGE', `ring size ${n} not in 1..${MAX_RING}`);
  const responses = Array.from({ length: n }, () => decodeScalar(r.fixed(ELEMENT_BYTES)));
  r.end();
  return { receiver, kemShare, ciphertext, c0, responses };
}

/** The composition in the benchmark's shape. */
export function untraceableScheme(group: Group): BenchableScheme {
  return {
    scheme: 'untraceable',
    curve: group.name,
    async prepare(n, signer) {
      const keys = Array.from({ length: n }, () => generateKeyPair(group));
      const ring = ringOf(keys.map((k) => k.publicKey));
      const me = keys.find((k) => bytesEqual(k.publicKey, ring.members[signer]!))!;
      const receiver = generateKeyPair(group);
      return {
        signcrypt: (m) => encodeUntraceable(untraceableSigncrypt(group, me, ring, receiver.publicKey, m)),
        unsigncrypt(bytes) {
          try {
            return untraceableUnsigncrypt(group, decodeUntraceable(group, bytes), ring, receiver);
          } catch {
            return null;
          }
        },
      };
    },
  };
}

function challenge(group: Group, h: Uint8Array, i: number, r: Point): Scalar {
  return hashToScalar(group, 'dpp/untraceable/v1/ring', h, u32(i), r);
}

function kemKey(shared: Point, kemShare: Point, receiver: Point): Uint8Array {
  return hkdfSha256(shared, concatBytes(kemShare, receiver), 'dpp/untraceable/v1/kem');
}

function u32(i: number): Uint8Array {
  return new Writer().u32(i).finish();
}
