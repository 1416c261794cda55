/**
 * Chaum–Pedersen proof of equal discrete logarithms (Chaum & Pedersen, CRYPTO '92), made
 * non-interactive by Fiat–Shamir: given G, H, X = x·G and Y = x·H, prove knowledge of x without
 * revealing it. The regulator uses it to prove a trace or a PID opening (G = B, X = P, H = T1 or
 * PID1), the receiver to prove a decryption (X = Z, H = K).
 *
 * Proof (e, z): W1 = w·G, W2 = w·H, e = H(tag, context, G, H, X, Y, W1, W2), z = w − e·x.
 * Verify: recompute W1 = z·G + e·X, W2 = z·H + e·Y and the challenge.
 */

import { bytesEqual } from '../codec/bytes.ts';
import type { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { decodeScalar, ELEMENT_BYTES, type Group, type Point, type Scalar } from '../crypto/group.ts';
import { hashToScalar, hedgedScalar, type RandomSource, systemRandom } from '../crypto/scalars.ts';

/** The statement log_G(X) = log_H(Y). */
export interface DleqStatement {
  readonly g: Point;
  readonly h: Point;
  readonly x: Point;
  readonly y: Point;
}

/** A non-interactive proof: challenge and response. */
export interface DleqProof {
  readonly e: Scalar;
  readonly z: Scalar;
}

const TAG = 'dpp/dleq/v1';

/** Proves log_G(X) = log_H(Y) = secret, bound to `context`. */
export function proveDleq(
  group: Group,
  statement: DleqStatement,
  secret: Scalar,
  context: Uint8Array,
  random: RandomSource = systemRandom,
): DleqProof {
  const w = hedgedScalar(group, random, `${TAG}/nonce`, secret, context, statement.h, statement.y);
  const e = challenge(group, statement, context, group.mul(w, statement.g), group.mul(w, statement.h));
  return { e, z: group.scalarSub(w, group.scalarMul(e, secret)) };
}

/** True when `proof` shows log_G(X) = log_H(Y) for this context. */
export function verifyDleq(
  group: Group,
  statement: DleqStatement,
  proof: DleqProof,
  context: Uint8Array,
): boolean {
  const w1 = group.add(group.mul(proof.z, statement.g), group.mul(proof.e, statement.x));
  const w2 = group.add(group.mul(proof.z, statement.h), group.mul(proof.e, statement.y));
  return bytesEqual(challenge(group, statement, context, w1, w2), proof.e);
}

/** 64 bytes: e ‖ z. */
export function encodeDleqProof(proof: DleqProof): Uint8Array {
  return new Writer().fixed(proof.e, ELEMENT_BYTES).fixed(proof.z, ELEMENT_BYTES).finish();
}

/** Reads e ‖ z from `r`, refusing non-canonical scalars. */
export function readDleqProof(r: Reader): DleqProof {
  return { e: decodeScalar(r.fixed(ELEMENT_BYTES)), z: decodeScalar(r.fixed(ELEMENT_BYTES)) };
}

function challenge(group: Group, s: DleqStatement, context: Uint8Array, w1: Point, w2: Point): Scalar {
  return hashToScalar(group, `${TAG}/challenge`, context, s.g, s.h, s.x, s.y, w1, w2);
}
