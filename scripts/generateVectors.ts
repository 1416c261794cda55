/**
 * Generates the frozen known-answer vectors of the privacy layer (docs/privacy.md §9) from fixed
 * seeds: test/vectors/ringSigncryption.json (the signcryption, its trace, invalid encodings) and
 * test/vectors/privacyProofs.json (every proof on top of it: PID opening, proof of possession,
 * certificate, trace, identity trace and its commitment, decryption, sendership — each with the
 * exact bytes it is bound to). `npm run vectors` rewrites both; test/privacy/vectors.test.ts checks
 * that the committed files still match what this script produces, and verifies every vector from
 * its bytes alone on both backends. Change a file only with a new encoding version.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromHex, toHex } from '../src/codec/bytes.ts';
import { type Group, IDENTITY_BYTES } from '../src/crypto/group.ts';
import { libsodiumGroup } from '../src/crypto/groupLibsodium.ts';
import { seededRandom } from '../src/crypto/scalars.ts';
import { decryptionContext, proveDecryption } from '../src/privacy/decryptionProof.ts';
import { generateKeyPair } from '../src/privacy/keyPair.ts';
import {
  encodePidOpening,
  encodePseudoIdentity,
  issuePseudoIdentity,
  openPseudoIdentity,
  pidOpeningContext,
} from '../src/privacy/pseudoIdentity.ts';
import {
  certificateBody,
  certificateSignedBytes,
  certifyPseudonym,
  encodeCertificate,
  requestCertification,
} from '../src/privacy/pseudonymCertificate.ts';
import { setupRegulator } from '../src/privacy/regulator.ts';
import { ringOf } from '../src/privacy/ring.ts';
import { signcrypt, signcryptKeepingTraceSecret } from '../src/privacy/ringSigncryption.ts';
import { proveSendership, sendershipContext } from '../src/privacy/sendership.ts';
import { encodeSigncryption } from '../src/privacy/signcryptionEncoding.ts';
import { trace, traceContext, traceToIdentity } from '../src/privacy/trace.ts';
import { commitTrace, encodeIdentityTrace } from '../src/privacy/traceCommitment.ts';

/** One valid vector: every secret needed to recompute it, and the expected outputs. */
export interface ValidVector {
  seed: string;
  n: number;
  signerIndex: number;
  context: { chainId: string; purpose: string; nonceHex: string };
  messageHex: string;
  regulatorSecretHex: string;
  regulatorPublicHex: string;
  ringHex: string[];
  signerSecretHex: string;
  receiverSecretHex: string;
  receiverPublicHex: string;
  signcryptionHex: string;
  trace: { memberIndex: number; eHex: string; zHex: string };
}

/** One invalid encoding and the error code its decoding must raise. */
export interface InvalidVector {
  description: string;
  signcryptionHex: string;
  errorCode: string;
}

/** The whole vector file. */
export interface VectorFile {
  scheme: string;
  group: string;
  generator: string;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

const CASES: readonly { n: number; signerIndex: number; message: string }[] = [
  { n: 1, signerIndex: 0, message: 'bill 1: CONFIRMED' },
  { n: 2, signerIndex: 1, message: 'bill 2: DISPUTED — metered 980 000 Wh, contracted 1 000 000 Wh' },
  { n: 3, signerIndex: 0, message: '' },
  { n: 8, signerIndex: 5, message: 'bill 8: CONFIRMED' },
  { n: 16, signerIndex: 15, message: 'bill 16: CONFIRMED' },
];

/** Builds every vector deterministically from its seed. */
export function buildVectors(group: Group): VectorFile {
  const valid = CASES.map(({ n, signerIndex, message }) => {
    const seed = `dpp/vectors/rsc/v1/n${n}`;
    const random = seededRandom(seed);
    const regulator = setupRegulator(group, random);
    const keys = Array.from({ length: n }, () => generateKeyPair(group, random));
    const receiver = generateKeyPair(group, random);
    const ring = ringOf(keys.map((k) => k.publicKey));
    const signer = keys.find((k) => toHex(k.publicKey) === toHex(ring.members[signerIndex]!))!;
    const context = { chainId: 'dppchain-vectors', purpose: 'bill-confirmation', nonce: fromHex('00000001') };
    const params = { group, regulatorKey: regulator.masterPublic };
    const m = new TextEncoder().encode(message);
    const sc = signcrypt(params, signer, ring, receiver.publicKey, context, m, random);
    const t = trace(params, regulator, sc, ring, random);
    return {
      seed,
      n,
      signerIndex,
      context: { chainId: context.chainId, purpose: context.purpose, nonceHex: toHex(context.nonce) },
      messageHex: toHex(m),
      regulatorSecretHex: toHex(regulator.masterSecret),
      regulatorPublicHex: toHex(regulator.masterPublic),
      ringHex: ring.members.map(toHex),
      signerSecretHex: toHex(signer.secret),
      receiverSecretHex: toHex(receiver.secret),
      receiverPublicHex: toHex(receiver.publicKey),
      signcryptionHex: toHex(encodeSigncryption(sc)),
      trace: { memberIndex: t.memberIndex, eHex: toHex(t.proof.e), zHex: toHex(t.proof.z) },
    };
  });
  return {
    scheme: 'dpp/rsc/v1',
    group: 'edwards25519',
    generator: 'scripts/generateVectors.ts',
    valid,
    invalid: invalidVectors(valid[1]!),
  };
}

/** Encodings that a decoder must refuse, derived from the n = 2 vector. */
function invalidVectors(v: ValidVector): InvalidVector[] {
  const bytes = fromHex(v.signcryptionHex);
  const t1At = offsetOfT1(bytes);
  const lastScalar = bytes.length - 32;
  const patched = (at: number, part: Uint8Array): string => {
    const b = bytes.slice();
    b.set(part, at);
    return toHex(b);
  };
  const order = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
  return [
    {
      description: 'version byte 2',
      signcryptionHex: patched(0, Uint8Array.of(2)),
      errorCode: 'DECODE_BAD_VERSION',
    },
    {
      description: 'T1 is the identity',
      signcryptionHex: patched(t1At, IDENTITY_BYTES),
      errorCode: 'DECODE_INVALID_POINT',
    },
    {
      description: 'last response is ℓ (non-canonical zero)',
      signcryptionHex: patched(lastScalar, order),
      errorCode: 'DECODE_NON_CANONICAL',
    },
    {
      description: 'one trailing byte',
      signcryptionHex: `${v.signcryptionHex}00`,
      errorCode: 'DECODE_TRAILING_BYTES',
    },
    {
      description: 'truncated by one byte',
      signcryptionHex: v.signcryptionHex.slice(0, -2),
      errorCode: 'DECODE_TRUNCATED',
    },
  ];
}

/** Offset of T1: version, group, three length-prefixed context fields, then Z ‖ K ‖ T1. */
function offsetOfT1(bytes: Uint8Array): number {
  let at = 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let field = 0; field < 3; field++) at += 4 + view.getUint32(at);
  return at + 64;
}

/** A Chaum–Pedersen or Schnorr proof with the exact bytes it is bound to. */
export interface ProofVector {
  contextHex: string;
  eHex: string;
  zHex: string;
}

/** One certified ring member of a proof case. */
export interface MemberVector {
  realIdentity: string;
  pseudonymSecretHex: string;
  pseudonymPublicHex: string;
  /** PID1 ‖ PID2 (112 bytes). */
  pidHex: string;
  expiresAtMs: string;
  /** Schnorr, purpose "pseudonym-pop", over the certificate body (its contextHex: the body). */
  proofOfPossession: ProofVector;
  /** What the regulator's Ed25519 key signed, and the certificate's 217-byte encoding. */
  certificateSignedBytesHex: string;
  certificateHex: string;
  /** The regulator's opening of the PID: D and its Chaum–Pedersen proof; encoding D ‖ e ‖ z. */
  pidOpening: ProofVector & { dHex: string; encodingHex: string };
}

/** One world: a regulator, certified members in ring order, one signcryption and every proof on it. */
export interface ProofCase {
  seed: string;
  n: number;
  signerIndex: number;
  regulator: { masterSecretHex: string; masterPublicHex: string; certPublicKeyHex: string };
  members: MemberVector[];
  receiver: { secretHex: string; publicHex: string };
  context: { chainId: string; purpose: string; nonceHex: string };
  messageHex: string;
  signcryptionHex: string;
  trace: ProofVector & { memberIndex: number };
  identityTrace: { encodingHex: string; saltHex: string; commitmentHex: string };
  decryption: ProofVector & { sharedHex: string };
  sendership: ProofVector & { traceSecretHex: string; callerContextHex: string };
}

/** The proof vector file. */
export interface ProofVectorFile {
  scheme: string;
  group: string;
  generator: string;
  cases: ProofCase[];
}

const PROOF_CASES: readonly { n: number; signerIndex: number }[] = [
  { n: 1, signerIndex: 0 },
  { n: 3, signerIndex: 2 },
  { n: 8, signerIndex: 3 },
];
const EXPIRES_AT_MS = 1_900_000_000_000n;
const CERTIFIED_AT_MS = 1_800_000_000_000n;

/** Builds every proof vector deterministically from its seed. */
export function buildProofVectors(group: Group): ProofVectorFile {
  const cases = PROOF_CASES.map(({ n, signerIndex }): ProofCase => {
    const seed = `dpp/vectors/proofs/v1/n${n}`;
    const random = seededRandom(seed);
    const regulator = setupRegulator(group, random);
    const made = Array.from({ length: n }, (_, i) => {
      const realIdentity = `consumer-${i + 1}.example`;
      const key = generateKeyPair(group, random);
      const pid = issuePseudoIdentity(group, regulator, realIdentity, random);
      const request = requestCertification(group, key.secret, key.publicKey, pid, EXPIRES_AT_MS, random);
      const certificate = certifyPseudonym(group, regulator, request, { has: () => false }, CERTIFIED_AT_MS);
      const opening = openPseudoIdentity(group, regulator, pid, random);
      const body = certificateBody(key.publicKey, pid, EXPIRES_AT_MS);
      const member: MemberVector = {
        realIdentity,
        pseudonymSecretHex: toHex(key.secret),
        pseudonymPublicHex: toHex(key.publicKey),
        pidHex: toHex(encodePseudoIdentity(pid)),
        expiresAtMs: EXPIRES_AT_MS.toString(),
        proofOfPossession: {
          contextHex: toHex(body),
          eHex: toHex(request.proofOfPossession.e),
          zHex: toHex(request.proofOfPossession.z),
        },
        certificateSignedBytesHex: toHex(certificateSignedBytes(body)),
        certificateHex: toHex(encodeCertificate(certificate)),
        pidOpening: {
          contextHex: toHex(pidOpeningContext(pid)),
          eHex: toHex(opening.proof.e),
          zHex: toHex(opening.proof.z),
          dHex: toHex(opening.d),
          encodingHex: toHex(encodePidOpening(opening)),
        },
      };
      return { key, certificate, member };
    });
    const ring = ringOf(made.map((m) => m.key.publicKey));
    const inRingOrder = ring.members.map((y) => made.find((m) => toHex(m.key.publicKey) === toHex(y))!);
    const signer = inRingOrder[signerIndex]!;
    const receiver = generateKeyPair(group, random);
    const context = { chainId: 'dppchain-vectors', purpose: 'dpp/tx/bill.respond', nonce: random(32) };
    const params = { group, regulatorKey: regulator.masterPublic };
    const message = new TextEncoder().encode(`bill ${n}: DISPUTED — metered 980 000 Wh`);
    const { signcryption: sc, traceSecret } = signcryptKeepingTraceSecret(
      params,
      signer.key,
      ring,
      receiver.publicKey,
      context,
      message,
      random,
    );
    const certificateOf = (y: Uint8Array) =>
      inRingOrder.find((m) => toHex(m.key.publicKey) === toHex(y))?.certificate;
    const identity = traceToIdentity(params, regulator, sc, ring, certificateOf, random);
    const { opening, commitment } = commitTrace(identity, random);
    const decryption = proveDecryption(params, sc, receiver, random);
    const callerContext = new TextEncoder().encode('dpp/vectors/escalation');
    const sendership = proveSendership(params, sc, signer.key.publicKey, traceSecret, callerContext, random);
    return {
      seed,
      n,
      signerIndex,
      regulator: {
        masterSecretHex: toHex(regulator.masterSecret),
        masterPublicHex: toHex(regulator.masterPublic),
        certPublicKeyHex: toHex(regulator.certPublicKey),
      },
      members: inRingOrder.map((m) => m.member),
      receiver: { secretHex: toHex(receiver.secret), publicHex: toHex(receiver.publicKey) },
      context: { chainId: context.chainId, purpose: context.purpose, nonceHex: toHex(context.nonce) },
      messageHex: toHex(message),
      signcryptionHex: toHex(encodeSigncryption(sc)),
      trace: {
        memberIndex: identity.memberIndex,
        contextHex: toHex(traceContext(sc, identity.memberIndex)),
        eHex: toHex(identity.proof.e),
        zHex: toHex(identity.proof.z),
      },
      identityTrace: {
        encodingHex: toHex(encodeIdentityTrace(identity)),
        saltHex: toHex(opening.salt),
        commitmentHex: toHex(commitment),
      },
      decryption: {
        sharedHex: toHex(decryption.shared),
        contextHex: toHex(decryptionContext(sc)),
        eHex: toHex(decryption.proof.e),
        zHex: toHex(decryption.proof.z),
      },
      sendership: {
        traceSecretHex: toHex(traceSecret),
        callerContextHex: toHex(callerContext),
        contextHex: toHex(sendershipContext(sc, callerContext)),
        eHex: toHex(sendership.e),
        zHex: toHex(sendership.z),
      },
    };
  });
  return {
    scheme: 'dpp/privacy-proofs/v1',
    group: 'edwards25519',
    generator: 'scripts/generateVectors.ts',
    cases,
  };
}

if (process.argv[1]?.endsWith('generateVectors.ts')) {
  const group = await libsodiumGroup();
  for (const [name, content] of [
    ['ringSigncryption.json', buildVectors(group)],
    ['privacyProofs.json', buildProofVectors(group)],
  ] as const) {
    const file = resolve(import.meta.dirname, '../test/vectors', name);
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}
