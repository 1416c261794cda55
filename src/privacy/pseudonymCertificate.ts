/**
 * Pseudonym key certification. A member generates its pseudonym key y itself (Y = y·B), proves
 * possession of y with a Schnorr signature over (Y, PID, expiry) — so the regulator, which never
 * learns y, cannot later sign or signcrypt as that member — and the regulator certifies
 * (Y, PID1, PID2, expiry) with its Ed25519 certification key after checking that the PID is one it
 * issued and that Y was never certified before.
 *
 * Certificate encoding (tag "dpp/pseudonym-cert/v1" signed): u8 version 1 ‖ Y ‖ PID1 ‖ PID2 ‖
 * u64 expiresAtMs ‖ Ed25519 signature (64 bytes).
 */
import { toHex } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { orgSign } from '../crypto/ed25519.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { ELEMENT_BYTES, type Group, type Point, type Scalar } from '../crypto/group.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { PrivacyError } from './privacyError.ts';
import {
  encodePseudoIdentity,
  openPseudoIdentity,
  type PseudoIdentity,
  readPseudoIdentity,
} from './pseudoIdentity.ts';
import type { RegulatorKeys, RegulatorPublic } from './regulator.ts';
import { type SchnorrSignature, schnorrSign, schnorrVerify } from './schnorr.ts';

/** What a member sends the regulator to have a pseudonym key certified. */
export interface CertificationRequest {
  readonly publicKey: Point;
  readonly pid: PseudoIdentity;
  readonly expiresAtMs: bigint;
  readonly proofOfPossession: SchnorrSignature;
}

/** A certified pseudonym key. */
export interface PseudonymCertificate {
  readonly publicKey: Point;
  readonly pid: PseudoIdentity;
  readonly expiresAtMs: bigint;
  readonly signature: Uint8Array;
}

/** Whether a certificate may be used at a given time. */
export type CertificateStatus = 'valid' | 'expired' | 'bad-signature';

const VERSION = 1;
/** The Schnorr purpose of a proof of possession (tag "dpp/schnorr/v1/pseudonym-pop"). */
export const POP_PURPOSE = 'pseudonym-pop';

/** The member's request: proves possession of `secret` (whose public key is `publicKey`). */
export function requestCertification(
  group: Group,
  secret: Scalar,
  publicKey: Point,
  pid: PseudoIdentity,
  expiresAtMs: bigint,
  random: RandomSource = systemRandom,
): CertificationRequest {
  const proofOfPossession = schnorrSign(
    group,
    POP_PURPOSE,
    secret,
    publicKey,
    certificateBody(publicKey, pid, expiresAtMs),
    random,
  );
  return { publicKey, pid, expiresAtMs, proofOfPossession };
}

/** True when the request's proof of possession verifies: its sender holds the secret of its key. */
export function verifyProofOfPossession(group: Group, request: CertificationRequest): boolean {
  const message = certificateBody(request.publicKey, request.pid, request.expiresAtMs);
  return schnorrVerify(group, POP_PURPOSE, request.publicKey, message, request.proofOfPossession);
}

/** Keys already certified, so that no key is certified twice (the chain keeps this in state later). */
export interface CertifiedKeys {
  has(publicKey: Point): boolean;
}

/**
 * The regulator certifies a request: the proof of possession must verify, the PID must open under
 * the master key, the key must be new, and the expiry must lie after `nowMs`.
 */
export function certifyPseudonym(
  group: Group,
  regulator: RegulatorKeys,
  request: CertificationRequest,
  certified: CertifiedKeys,
  nowMs: bigint,
): PseudonymCertificate {
  const { publicKey, pid, expiresAtMs } = request;
  if (!verifyProofOfPossession(group, request)) {
    throw new PrivacyError(
      'PRIVACY_PROOF_OF_POSSESSION_INVALID',
      'proof of possession of the pseudonym key fails',
    );
  }
  openPseudoIdentity(group, regulator, pid); // throws PRIVACY_PID_INVALID for a PID this regulator did not issue
  if (certified.has(publicKey)) {
    throw new PrivacyError('PRIVACY_DUPLICATE_KEY', 'pseudonym key already certified', {
      key: toHex(publicKey),
    });
  }
  if (expiresAtMs <= nowMs) {
    throw new PrivacyError('PRIVACY_PSEUDONYM_EXPIRED', 'requested expiry is not in the future', {
      expiresAtMs: String(expiresAtMs),
    });
  }
  const message = certificateSignedBytes(certificateBody(publicKey, pid, expiresAtMs));
  return { publicKey, pid, expiresAtMs, signature: orgSign(regulator.certKey, message) };
}

/** Checks the regulator's signature, then the expiry against `nowMs` (the block time on chain). */
export function certificateStatus(
  regulator: RegulatorPublic,
  cert: PseudonymCertificate,
  nowMs: bigint,
): CertificateStatus {
  if (!certificateSigned(regulator.certPublicKey, cert)) return 'bad-signature';
  return nowMs < cert.expiresAtMs ? 'valid' : 'expired';
}

/**
 * True when the regulator's certification key `certPublicKey` signed `cert` as it stands: key, PID
 * and expiry (the expiry itself is not compared with any time; see `certificateStatus`).
 */
export function certificateSigned(certPublicKey: Uint8Array, cert: PseudonymCertificate): boolean {
  const message = certificateSignedBytes(certificateBody(cert.publicKey, cert.pid, cert.expiresAtMs));
  // the consensus verifier: pseudonym.register decides on chain with it, so validators never disagree
  return verifyEd25519(certPublicKey, message, cert.signature);
}

/** The certificate's canonical bytes. */
export function encodeCertificate(cert: PseudonymCertificate): Uint8Array {
  return new Writer()
    .u8(VERSION)
    .fixed(certificateBody(cert.publicKey, cert.pid, cert.expiresAtMs), ELEMENT_BYTES + 112 + 8)
    .fixed(cert.signature, 64)
    .finish();
}

/** Decodes a certificate strictly (version, valid points, exact length); the signature is not checked. */
export function decodePseudonymCertificate(group: Group, bytes: Uint8Array): PseudonymCertificate {
  const r = new Reader(bytes, 'pseudonym certificate');
  const version = r.u8();
  if (version !== VERSION)
    throw new DecodeError('DECODE_BAD_VERSION', `unknown certificate version ${version}`);
  const publicKey = group.decodePoint(r.fixed(ELEMENT_BYTES));
  const pid = readPseudoIdentity(group, r);
  const expiresAtMs = r.u64();
  const signature = r.fixed(64);
  r.end();
  return { publicKey, pid, expiresAtMs, signature };
}

/** The certified body Y ‖ PID1 ‖ PID2 ‖ u64 expiresAtMs (152 bytes): what the proof of possession signs. */
export function certificateBody(publicKey: Point, pid: PseudoIdentity, expiresAtMs: bigint): Uint8Array {
  return new Writer()
    .fixed(publicKey, ELEMENT_BYTES)
    .fixed(encodePseudoIdentity(pid), 112)
    .u64(expiresAtMs)
    .finish();
}

/** What the regulator's Ed25519 key signs: string "dpp/pseudonym-cert/v1" ‖ the body (raw). */
export function certificateSignedBytes(message: Uint8Array): Uint8Array {
  return new Writer().string('dpp/pseudonym-cert/v1').fixed(message, message.length).finish();
}
