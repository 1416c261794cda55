/**
 * Pseudo-identities: the regulator hides a member's real identity (RID) in a pair
 * PID1 = r·B, PID2 = AEAD(KDF(r·P), RID), so that only the holder of s (with s·PID1 = r·P) can open
 * it, and a fresh r makes every PID unlinkable to the others. An opening is published with a
 * Chaum–Pedersen proof that D = s·PID1, so anyone can check it against P and PID2 without s.
 *
 * Encodings: RID is UTF-8, at most 63 bytes, padded to 64 (u8 length ‖ bytes ‖ zeros) so PID2's
 * length reveals nothing; PID2 = ChaCha20-Poly1305(key, nonce 0¹², padded RID, ad = PID1) with
 * key = HKDF-SHA-256(ikm D, salt PID1, info "dpp/pid/v1") — a fresh key per PID, so a zero nonce is safe.
 */
import { utf8 } from '../codec/bytes.ts';
import type { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from '../crypto/aead.ts';
import { ELEMENT_BYTES, type Group, type Point } from '../crypto/group.ts';
import { hkdfSha256 } from '../crypto/kdf.ts';
import { type RandomSource, randomScalar, systemRandom } from '../crypto/scalars.ts';
import { type DleqProof, encodeDleqProof, proveDleq, readDleqProof, verifyDleq } from './chaumPedersen.ts';
import { PrivacyError } from './privacyError.ts';
import type { RegulatorKeys } from './regulator.ts';

/** A pseudo-identity (PID1, PID2). */
export interface PseudoIdentity {
  readonly pid1: Point;
  readonly pid2: Uint8Array;
}

/** The regulator's opening of a PID: D = s·PID1 with its proof, and the identity it reveals. */
export interface PidOpening {
  readonly d: Point;
  readonly proof: DleqProof;
  readonly realIdentity: string;
}

/** Longest real identity, in UTF-8 bytes. */
export const MAX_RID_BYTES = 63;
const PADDED_RID_BYTES = 64;
/** Length of PID2. */
export const PID2_BYTES = PADDED_RID_BYTES + AEAD_TAG_BYTES;
const ZERO_NONCE = new Uint8Array(AEAD_NONCE_BYTES);

/** The regulator issues a fresh, unlinkable pseudo-identity for `realIdentity`. */
export function issuePseudoIdentity(
  group: Group,
  regulator: RegulatorKeys,
  realIdentity: string,
  random: RandomSource = systemRandom,
): PseudoIdentity {
  const rid = utf8(realIdentity);
  if (rid.length === 0 || rid.length > MAX_RID_BYTES) {
    throw new PrivacyError('PRIVACY_PID_INVALID', `real identity must be 1..${MAX_RID_BYTES} UTF-8 bytes`, {
      length: rid.length,
    });
  }
  const r = randomScalar(group, random);
  const pid1 = group.mulBase(r);
  const padded = new Uint8Array(PADDED_RID_BYTES);
  padded[0] = rid.length;
  padded.set(rid, 1);
  const pid2 = aeadSeal(pidKey(group.mul(r, regulator.masterPublic), pid1), ZERO_NONCE, padded, pid1);
  return { pid1, pid2 };
}

/** The regulator opens `pid` to the real identity, with a proof anyone can check. */
export function openPseudoIdentity(
  group: Group,
  regulator: RegulatorKeys,
  pid: PseudoIdentity,
  random: RandomSource = systemRandom,
): PidOpening {
  const d = group.mul(regulator.masterSecret, pid.pid1);
  const realIdentity = decryptRid(d, pid);
  if (realIdentity === null)
    throw new PrivacyError('PRIVACY_PID_INVALID', 'PID was not issued by this regulator');
  const statement = { g: group.base, h: pid.pid1, x: regulator.masterPublic, y: d };
  return {
    d,
    proof: proveDleq(group, statement, regulator.masterSecret, pidOpeningContext(pid), random),
    realIdentity,
  };
}

/** True when `opening` is the regulator's correct opening of `pid` (checked with P alone). */
export function verifyPidOpening(
  group: Group,
  masterPublic: Point,
  pid: PseudoIdentity,
  opening: PidOpening,
): boolean {
  const statement = { g: group.base, h: pid.pid1, x: masterPublic, y: opening.d };
  if (!verifyDleq(group, statement, opening.proof, pidOpeningContext(pid))) return false;
  return decryptRid(opening.d, pid) === opening.realIdentity;
}

/** PID1 ‖ PID2 (112 bytes). */
export function encodePseudoIdentity(pid: PseudoIdentity): Uint8Array {
  return new Writer().fixed(pid.pid1, ELEMENT_BYTES).fixed(pid.pid2, PID2_BYTES).finish();
}

/** Reads PID1 ‖ PID2, validating PID1. */
export function readPseudoIdentity(group: Group, r: Reader): PseudoIdentity {
  return { pid1: group.decodePoint(r.fixed(ELEMENT_BYTES)), pid2: r.fixed(PID2_BYTES) };
}

/** d ‖ proof, the opening without the identity (which the verifier recomputes). */
export function encodePidOpening(opening: PidOpening): Uint8Array {
  return new Writer().fixed(opening.d, ELEMENT_BYTES).fixed(encodeDleqProof(opening.proof), 64).finish();
}

/** Reads d ‖ proof and recovers the identity from `pid`; null when it does not decrypt. */
export function readPidOpening(group: Group, r: Reader, pid: PseudoIdentity): PidOpening | null {
  const d = group.decodePoint(r.fixed(ELEMENT_BYTES));
  const proof = readDleqProof(r);
  const realIdentity = decryptRid(d, pid);
  return realIdentity === null ? null : { d, proof, realIdentity };
}

function pidKey(d: Uint8Array, pid1: Point): Uint8Array {
  return hkdfSha256(d, pid1, 'dpp/pid/v1');
}

function decryptRid(d: Point, pid: PseudoIdentity): string | null {
  const padded = aeadOpen(pidKey(d, pid.pid1), ZERO_NONCE, pid.pid2, pid.pid1);
  if (padded === null || padded.length !== PADDED_RID_BYTES) return null;
  const len = padded[0]!;
  if (len === 0 || len > MAX_RID_BYTES || padded.subarray(1 + len).some((b) => b !== 0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(padded.subarray(1, 1 + len));
  } catch {
    return null;
  }
}

/** What a PID opening proof is bound to: string "dpp/pid/open/v1" ‖ PID1 ‖ bytes PID2. */
export function pidOpeningContext(pid: PseudoIdentity): Uint8Array {
  return new Writer().string('dpp/pid/open/v1').fixed(pid.pid1, ELEMENT_BYTES).bytes(pid.pid2).finish();
}
