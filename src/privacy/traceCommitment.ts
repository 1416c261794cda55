/**
 * Committing to a trace (docs/protocol.md §9). The regulator records every trace on chain as an
 * audit event carrying C = SHA-256(frame("dpp/trace-commitment/v1", [salt, trace])) — the identity
 * stays off chain — and gives the parties to the dispute the opening (salt, trace). Anyone holding
 * the opening checks that it matches C and that the trace is correct: the signcryption verifies,
 * the regulator's Chaum–Pedersen proof names that ring member, the certificate is the regulator's
 * (and the one registered on chain), and the PID opening proof reveals the organisation
 * (./trace.ts). The salt keeps C from being tested against guessed identities.
 *
 * Trace encoding: u32 memberIndex ‖ Y ‖ proof (64) ‖ certificate (217) ‖ D ‖ opening proof (64).
 */
import { bytesEqual } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { ELEMENT_BYTES, type Group } from '../crypto/group.ts';
import { frame, sha256 } from '../crypto/hash.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { encodeDleqProof, readDleqProof } from './chaumPedersen.ts';
import { encodePidOpening, readPidOpening } from './pseudoIdentity.ts';
import { decodePseudonymCertificate, encodeCertificate } from './pseudonymCertificate.ts';
import type { Ring } from './ring.ts';
import type { Signcryption } from './signcryptionEncoding.ts';
import { type IdentityTrace, type IdentityTraceAnchors, verifyIdentityTrace } from './trace.ts';

const CERTIFICATE_BYTES = 1 + 32 + 112 + 8 + 64;

/** What the parties to a dispute receive: the salt and the identity trace. */
export interface TraceOpening {
  readonly salt: Uint8Array;
  readonly trace: IdentityTrace;
}

/** The canonical bytes of an identity trace. */
export function encodeIdentityTrace(t: IdentityTrace): Uint8Array {
  return new Writer()
    .u32(t.memberIndex)
    .fixed(t.pseudonym, ELEMENT_BYTES)
    .fixed(encodeDleqProof(t.proof), 64)
    .fixed(encodeCertificate(t.certificate), CERTIFICATE_BYTES)
    .fixed(encodePidOpening(t.opening), ELEMENT_BYTES + 64)
    .finish();
}

/** Decodes an identity trace strictly; throws DecodeError (also when the PID opening does not decrypt). */
export function decodeIdentityTrace(group: Group, bytes: Uint8Array): IdentityTrace {
  const r = new Reader(bytes, 'identity trace');
  const memberIndex = r.u32();
  const pseudonym = group.decodePoint(r.fixed(ELEMENT_BYTES));
  const proof = readDleqProof(r);
  const certificate = decodePseudonymCertificate(group, r.fixed(CERTIFICATE_BYTES));
  const opening = readPidOpening(group, r, certificate.pid);
  r.end();
  if (opening === null)
    throw new DecodeError('DECODE_OUT_OF_RANGE', 'identity trace: the PID opening does not decrypt');
  return { memberIndex, pseudonym, proof, certificate, opening };
}

/** The commitment to `trace` under `salt`. */
export function traceCommitment(salt: Uint8Array, trace: IdentityTrace): Uint8Array {
  return sha256(frame('dpp/trace-commitment/v1', [salt, encodeIdentityTrace(trace)]));
}

/** A fresh opening (32-byte random salt) and its commitment. */
export function commitTrace(
  trace: IdentityTrace,
  random: RandomSource = systemRandom,
): { opening: TraceOpening; commitment: Uint8Array } {
  const salt = random(32);
  return { opening: { salt, trace }, commitment: traceCommitment(salt, trace) };
}

/**
 * True when `opening` matches `commitment` and its identity trace of `sc` in `ring` verifies
 * against `anchors` (./trace.ts `verifyIdentityTrace`: the regulator's keys and, with the chain,
 * the registered certificate).
 */
export function verifyTraceOpening(
  anchors: IdentityTraceAnchors,
  sc: Signcryption,
  ring: Ring,
  commitment: Uint8Array,
  opening: TraceOpening,
): boolean {
  if (opening.salt.length !== 32) return false;
  if (!bytesEqual(traceCommitment(opening.salt, opening.trace), commitment)) return false;
  return verifyIdentityTrace(anchors, sc, ring, opening.trace);
}
