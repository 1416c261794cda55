/**
 * Tracing a ring signcryption (regulator) and checking a trace (anyone). Only a signcryption that
 * verifies can be traced. The regulator decrypts the trace tag, Y = T2 − s·T1, finds Y in the ring,
 * and proves with Chaum–Pedersen that T2 − Y_i = s·T1 for the same s as P = s·B; with the member's
 * certificate it then opens the pseudonym's PID to the real identity, with a second proof.
 * Soundness of both proofs is what keeps the regulator from framing an honest member: for j ≠ π,
 * T2 − Y_j ≠ s·T1, so no valid proof names j.
 */
import { bytesEqual } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type DleqProof, type DleqStatement, proveDleq, verifyDleq } from './chaumPedersen.ts';
import { PrivacyError } from './privacyError.ts';
import { openPseudoIdentity, type PidOpening, verifyPidOpening } from './pseudoIdentity.ts';
import type { PseudonymCertificate } from './pseudonymCertificate.ts';
import type { RegulatorKeys } from './regulator.ts';
import type { Ring } from './ring.ts';
import { type RscParams, verify } from './ringSigncryption.ts';
import { encodeSigncryption, type Signcryption } from './signcryptionEncoding.ts';

/** Which ring member sent a signcryption, with the regulator's proof. */
export interface Trace {
  readonly memberIndex: number;
  readonly pseudonym: Point;
  readonly proof: DleqProof;
}

/** A trace carried through to the real organisation behind the pseudonym. */
export interface IdentityTrace extends Trace {
  readonly certificate: PseudonymCertificate;
  readonly opening: PidOpening;
}

/** The regulator traces `sc` to a ring member; throws PRIVACY_NOT_VERIFIED when `sc` does not verify. */
export function trace(
  params: RscParams,
  regulator: RegulatorKeys,
  sc: Signcryption,
  ring: Ring,
  random: RandomSource = systemRandom,
): Trace {
  if (!verify(params, sc, ring)) {
    throw new PrivacyError('PRIVACY_NOT_VERIFIED', 'only a verifying signcryption can be traced');
  }
  const { group } = params;
  const pseudonym = group.sub(sc.t2, group.mul(regulator.masterSecret, sc.t1));
  const memberIndex = ring.members.findIndex((y) => bytesEqual(y, pseudonym));
  if (memberIndex < 0) throw new PrivacyError('PRIVACY_NOT_IN_RING', 'trace tag names no ring member');
  const proof = proveDleq(
    group,
    statement(params, sc, pseudonym),
    regulator.masterSecret,
    context(sc, memberIndex),
    random,
  );
  return { memberIndex, pseudonym, proof };
}

/** The regulator traces `sc` and opens the sender's PID, given the certificate of each pseudonym. */
export function traceToIdentity(
  params: RscParams,
  regulator: RegulatorKeys,
  sc: Signcryption,
  ring: Ring,
  certificateOf: (pseudonym: Point) => PseudonymCertificate | undefined,
  random: RandomSource = systemRandom,
): IdentityTrace {
  const found = trace(params, regulator, sc, ring, random);
  const certificate = certificateOf(found.pseudonym);
  if (certificate === undefined || !bytesEqual(certificate.publicKey, found.pseudonym)) {
    throw new PrivacyError('PRIVACY_CERTIFICATE_INVALID', 'no certificate for the traced pseudonym');
  }
  return {
    ...found,
    certificate,
    opening: openPseudoIdentity(params.group, regulator, certificate.pid, random),
  };
}

/** Anyone checks a trace: `sc` verifies, and the proof shows member `memberIndex` sent it. */
export function verifyTrace(params: RscParams, sc: Signcryption, ring: Ring, t: Trace): boolean {
  const member = ring.members[t.memberIndex];
  if (member === undefined || !bytesEqual(member, t.pseudonym)) return false;
  if (!verify(params, sc, ring)) return false;
  return verifyDleq(params.group, statement(params, sc, t.pseudonym), t.proof, context(sc, t.memberIndex));
}

/** Anyone checks an identity trace: the trace, the certificate's key, and the PID opening. */
export function verifyIdentityTrace(
  params: RscParams,
  sc: Signcryption,
  ring: Ring,
  t: IdentityTrace,
): boolean {
  return (
    verifyTrace(params, sc, ring, t) &&
    bytesEqual(t.certificate.publicKey, t.pseudonym) &&
    verifyPidOpening(params.group, params.regulatorKey, t.certificate.pid, t.opening)
  );
}

/** log_B(P) = log_T1(T2 − Y). */
function statement(params: RscParams, sc: Signcryption, pseudonym: Point): DleqStatement {
  const { group } = params;
  return { g: group.base, x: params.regulatorKey, h: sc.t1, y: group.sub(sc.t2, pseudonym) };
}

function context(sc: Signcryption, memberIndex: number): Uint8Array {
  return new Writer()
    .string('dpp/rsc/v1/trace')
    .fixed(sha256(encodeSigncryption(sc)), 32)
    .u32(memberIndex)
    .finish();
}
