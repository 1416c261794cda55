/**
 * The traceable ring signcryption as data, and its versioned binary encoding (docs/privacy.md §4).
 *
 *   u8 version (1) ‖ u8 group (1 = edwards25519)
 *   ‖ context: string chainId (≤ 64 B) ‖ string purpose (≤ 64 B) ‖ bytes nonce (≤ 64 B)
 *   ‖ Z ‖ K ‖ T1 ‖ T2                         (points, 32 B each)
 *   ‖ bytes ciphertext (16 ..= 65 552 B)       (ChaCha20-Poly1305, tag included)
 *   ‖ e ‖ zY ‖ zA ‖ c0                        (scalars, 32 B each)
 *   ‖ u16 n (1 ..= 1024) ‖ s_0 … s_{n−1}       (scalars)
 *
 * Strings and byte strings carry a u32 length; decoding refuses unknown versions, invalid or
 * identity points, scalars ≥ ℓ, out-of-range lengths and trailing bytes, with a DecodeError.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { decodeScalar, ELEMENT_BYTES, type Group, type Point, type Scalar } from '../crypto/group.ts';
import { MAX_RING } from './ring.ts';

/** What a signcryption is for: it cannot be replayed on another chain, purpose or nonce. */
export interface SigncryptionContext {
  /** The chain's id, e.g. "dppchain-local". */
  readonly chainId: string;
  /** The application purpose, e.g. "bill-confirmation". */
  readonly purpose: string;
  /** A value the verifier expects (e.g. the round id); public, so it must not identify the signer. */
  readonly nonce: Uint8Array;
}

/** A traceable ring signcryption (docs/privacy.md §4). */
export interface Signcryption {
  readonly context: SigncryptionContext;
  /** The receiver's key Z. */
  readonly receiver: Point;
  /** KEM share K = k·B. */
  readonly kemShare: Point;
  /** Trace tag T1 = a·B. */
  readonly t1: Point;
  /** Trace tag T2 = Y_π + a·P. */
  readonly t2: Point;
  /** AEAD ciphertext of the message, tag included. */
  readonly ciphertext: Uint8Array;
  /** Representation proof: challenge e and responses zY, zA. */
  readonly e: Scalar;
  readonly zY: Scalar;
  readonly zA: Scalar;
  /** Ring proof: first challenge c0 and one response per ring member. */
  readonly c0: Scalar;
  readonly responses: readonly Scalar[];
}

/** Encoding version written and accepted. */
export const SIGNCRYPTION_VERSION = 1;
/** Group identifier: 1 = edwards25519 prime-order subgroup. */
export const GROUP_ID_EDWARDS25519 = 1;
/** Longest message a signcryption carries. */
export const MAX_MESSAGE_BYTES = 65_536;
/** Longest context string or nonce. */
export const MAX_CONTEXT_FIELD_BYTES = 64;

/** The canonical bytes of a context (hashed into every transcript). */
export function encodeContext(ctx: SigncryptionContext): Uint8Array {
  return writeContext(new Writer(), ctx).finish();
}

/** The canonical bytes of a signcryption. */
export function encodeSigncryption(sc: Signcryption): Uint8Array {
  const w = writeContext(new Writer().u8(SIGNCRYPTION_VERSION).u8(GROUP_ID_EDWARDS25519), sc.context);
  for (const p of [sc.receiver, sc.kemShare, sc.t1, sc.t2]) w.fixed(p, ELEMENT_BYTES);
  w.bytes(sc.ciphertext);
  for (const s of [sc.e, sc.zY, sc.zA, sc.c0]) w.fixed(s, ELEMENT_BYTES);
  w.u16(sc.responses.length);
  for (const s of sc.responses) w.fixed(s, ELEMENT_BYTES);
  return w.finish();
}

/** Decodes and validates a signcryption; throws DecodeError on any malformed field. */
export function decodeSigncryption(group: Group, bytes: Uint8Array): Signcryption {
  const r = new Reader(bytes, 'signcryption');
  const version = r.u8();
  if (version !== SIGNCRYPTION_VERSION) {
    throw new DecodeError('DECODE_BAD_VERSION', `unknown signcryption version ${version}`, { version });
  }
  const groupId = r.u8();
  if (groupId !== GROUP_ID_EDWARDS25519) {
    throw new DecodeError('DECODE_BAD_TAG', `unknown group id ${groupId}`, { groupId });
  }
  const context: SigncryptionContext = {
    chainId: r.string(MAX_CONTEXT_FIELD_BYTES),
    purpose: r.string(MAX_CONTEXT_FIELD_BYTES),
    nonce: r.bytes(MAX_CONTEXT_FIELD_BYTES),
  };
  const point = (): Point => group.decodePoint(r.fixed(ELEMENT_BYTES));
  const scalar = (): Scalar => decodeScalar(r.fixed(ELEMENT_BYTES));
  const receiver = point();
  const kemShare = point();
  const t1 = point();
  const t2 = point();
  const ciphertext = r.bytes(MAX_MESSAGE_BYTES + AEAD_TAG_BYTES);
  if (ciphertext.length < AEAD_TAG_BYTES) {
    throw new DecodeError('DECODE_BAD_LENGTH', 'ciphertext shorter than its tag', {
      length: ciphertext.length,
    });
  }
  const e = scalar();
  const zY = scalar();
  const zA = scalar();
  const c0 = scalar();
  const n = r.u16();
  if (n < 1 || n > MAX_RING)
    throw new DecodeError('DECODE_OUT_OF_RANGE', `ring size ${n} not in 1..${MAX_RING}`);
  const responses = Array.from({ length: n }, scalar);
  r.end();
  return { context, receiver, kemShare, t1, t2, ciphertext, e, zY, zA, c0, responses };
}

function writeContext(w: Writer, ctx: SigncryptionContext): Writer {
  for (const [name, bytes] of [
    ['chainId', new TextEncoder().encode(ctx.chainId)],
    ['purpose', new TextEncoder().encode(ctx.purpose)],
    ['nonce', ctx.nonce],
  ] as const) {
    if (bytes.length > MAX_CONTEXT_FIELD_BYTES) throw new RangeError(`context ${name} exceeds 64 bytes`);
    w.bytes(bytes);
  }
  return w;
}
