/**
 * Tracing a ring signcryption (regulator) and checking a trace (anyone). Only a signcryption that
 * verifies can be traced. The regulator decrypts the trace tag, Y = T2 − s·T1, finds Y in the ring,
 * and proves with Chaum–Pedersen that T2 − Y_i = s·T1 for the same s as P = s·B; with the member's
 * certificate it then opens the pseudonym's PID to the real identity, with a second proof.
 * Soundness of both proofs is what keeps the regulator from framing an honest member: for j ≠ π,
 * T2 − Y_j ≠ s·T1, so no valid proof names j. At the identity level the certificate is what links
 * the pseudonym to the PID, so an identity trace verifies only with a certificate the regulator's
 * certification key signed — and, for a verifier that has the chain, the very certificate
 * registered there for the pseudonym (whose PID the member's proof of possession bound at
 * registration). Without that check anyone holding one published PID opening could re-point a
 * certificate at that PID and name an innocent organisation.
 */
import { bytesEqual } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type DleqProof, type DleqStatement, proveDleq, verifyDleq } from './chaumPedersen.ts';
import { PrivacyError } from './privacyError.ts';
import { openPseudoIdentity, type PidOpening, verifyPidOpening } from './pseudoIdentity.ts';
import { certificateSigned, encodeCertificate, type PseudonymCertificate } from './pseudonymCertificate.ts';
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
    traceContext(sc, memberIndex),
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
  if (!certificateSigned(regulator.certPublicKey, certificate)) {
    throw new PrivacyError(
      'PRIVACY_CERTIFICATE_INVALID',
      'the traced pseudonym’s certificate is not signed by this regulator',
    );
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
  return verifyDleq(
    params.group,
    statement(params, sc, t.pseudonym),
    t.proof,
    traceContext(sc, t.memberIndex),
  );
}

/**
 * What a verifier of an identity trace trusts: the shared parameters (with the tracing key P), the
 * regulator's Ed25519 certification key, and — for a verifier that has the chain — the encoding of
 * the certificate registered on chain for a pseudonym, which the trace must carry byte for byte.
 */
export interface IdentityTraceAnchors {
  readonly params: RscParams;
  readonly certPublicKey: Uint8Array;
  readonly registeredCertificate?: (pseudonym: Point) => Uint8Array | undefined;
}

/**
 * Anyone checks an identity trace: the ring trace (./trace.ts `verifyTrace`), then the certificate
 * — of the traced key, signed by the regulator's certification key, and the one registered on
 * chain when the verifier has it — and the PID opening of that certificate's PID. The certificate's
 * expiry is not compared with any clock: a trace is checked after the fact, and the chain admitted
 * the pseudonym to its ring only while the certificate was valid.
 */
export function verifyIdentityTrace(
  anchors: IdentityTraceAnchors,
  sc: Signcryption,
  ring: Ring,
  t: IdentityTrace,
): boolean {
  const { params } = anchors;
  if (!verifyTrace(params, sc, ring, t)) return false;
  // [REJECT] a certificate of another key than the traced pseudonym
  if (!bytesEqual(t.certificate.publicKey, t.pseudonym)) return false;
  // [REJECT] a certificate the regulator did not sign as it stands (a bit flipped, the expiry or the PID changed)
  if (!certificateSigned(anchors.certPublicKey, t.certificate)) return false;
  // [REJECT] with the chain at hand: not the certificate registered for the pseudonym
  if (anchors.registeredCertificate !== undefined) {
    const registered = anchors.registeredCertificate(t.pseudonym);
    if (registered === undefined || !bytesEqual(registered, encodeCertificate(t.certificate))) return false;
  }
  // [REJECT] an opening that is not the regulator's opening of the certificate's own PID
  return verifyPidOpening(params.group, params.regulatorKey, t.certificate.pid, t.opening);
}

/** log_B(P) = log_T1(T2 − Y). */
function statement(params: RscParams, sc: Signcryption, pseudonym: Point): DleqStatement {
  const { group } = params;
  return { g: group.base, x: params.regulatorKey, h: sc.t1, y: group.sub(sc.t2, pseudonym) };
}

/** What a trace proof is bound to: string "dpp/rsc/v1/trace" ‖ SHA-256(encoding of sc) ‖ u32 index. */
export function traceContext(sc: Signcryption, memberIndex: number): Uint8Array {
  return new Writer()
    .string('dpp/rsc/v1/trace')
    .fixed(sha256(encodeSigncryption(sc)), 32)
    .u32(memberIndex)
    .finish();
}
