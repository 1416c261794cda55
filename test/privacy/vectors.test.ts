import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildProofVectors,
  buildVectors,
  type ProofVectorFile,
  type VectorFile,
} from '../../scripts/generateVectors.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { Reader } from '../../src/codec/reader.ts';
import { decodeScalar, decodeSecretScalar } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { isDppError } from '../../src/errors.ts';
import { decryptionContext, verifyDecryption } from '../../src/privacy/decryptionProof.ts';
import {
  pidOpeningContext,
  readPidOpening,
  readPseudoIdentity,
  verifyPidOpening,
} from '../../src/privacy/pseudoIdentity.ts';
import {
  certificateBody,
  certificateSigned,
  certificateSignedBytes,
  decodePseudonymCertificate,
  POP_PURPOSE,
  verifyProofOfPossession,
} from '../../src/privacy/pseudonymCertificate.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { unsigncrypt, verify } from '../../src/privacy/ringSigncryption.ts';
import { schnorrVerify } from '../../src/privacy/schnorr.ts';
import { sendershipContext, verifySendership } from '../../src/privacy/sendership.ts';
import { decodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { traceContext, verifyIdentityTrace, verifyTrace } from '../../src/privacy/trace.ts';
import {
  decodeIdentityTrace,
  traceCommitment,
  verifyTraceOpening,
} from '../../src/privacy/traceCommitment.ts';

const file = JSON.parse(
  readFileSync(new URL('../vectors/ringSigncryption.json', import.meta.url), 'utf8'),
) as VectorFile;

const backends = [await libsodiumGroup(), await nobleGroup()];

describe('frozen known-answer vectors (test/vectors/ringSigncryption.json)', () => {
  for (const group of backends) {
    it(`${group.backend}: regenerating from the seeds reproduces the committed file byte for byte`, () => {
      assert.deepEqual(buildVectors(group), file);
    });

    it(`${group.backend}: every valid vector decodes, verifies, decrypts and traces from its bytes alone`, () => {
      for (const v of file.valid) {
        const params = { group, regulatorKey: group.decodePoint(fromHex(v.regulatorPublicHex)) };
        const ring = ringOf(v.ringHex.map((h) => group.decodePoint(fromHex(h))));
        const sc = decodeSigncryption(group, fromHex(v.signcryptionHex));
        assert.equal(verify(params, sc, ring), true, `n = ${v.n}`);
        const receiver = {
          secret: decodeSecretScalar(fromHex(v.receiverSecretHex)),
          publicKey: group.decodePoint(fromHex(v.receiverPublicHex)),
        };
        assert.equal(toHex(unsigncrypt(params, sc, ring, receiver)!), v.messageHex);
        const t = {
          memberIndex: v.trace.memberIndex,
          pseudonym: ring.members[v.trace.memberIndex]!,
          proof: { e: decodeScalar(fromHex(v.trace.eHex)), z: decodeScalar(fromHex(v.trace.zHex)) },
        };
        assert.equal(t.memberIndex, v.signerIndex);
        assert.equal(verifyTrace(params, sc, ring, t), true);
      }
    });

    it(`${group.backend}: every invalid vector is refused with its error code`, () => {
      for (const v of file.invalid) {
        assert.throws(
          () => decodeSigncryption(group, fromHex(v.signcryptionHex)),
          (e) => isDppError(e, v.errorCode),
          v.description,
        );
      }
    });
  }
});

const proofs = JSON.parse(
  readFileSync(new URL('../vectors/privacyProofs.json', import.meta.url), 'utf8'),
) as ProofVectorFile;

describe('frozen known-answer vectors of every proof (test/vectors/privacyProofs.json)', () => {
  for (const group of backends) {
    const point = (hex: string) => group.decodePoint(fromHex(hex));
    const proofOf = (v: { eHex: string; zHex: string }) => ({
      e: decodeScalar(fromHex(v.eHex)),
      z: decodeScalar(fromHex(v.zHex)),
    });
    /** The same proof with its challenge changed: must not verify. */
    const bumped = (v: { eHex: string; zHex: string }) => ({ ...proofOf(v), e: proofOf(v).z });

    it(`${group.backend}: regenerating from the seeds reproduces the committed file byte for byte`, () => {
      assert.deepEqual(buildProofVectors(group), proofs);
    });

    for (const v of proofs.cases) {
      const params = { group, regulatorKey: point(v.regulator.masterPublicHex) };
      const certPublicKey = fromHex(v.regulator.certPublicKeyHex);
      const ring = ringOf(v.members.map((m) => point(m.pseudonymPublicHex)));
      const sc = decodeSigncryption(group, fromHex(v.signcryptionHex));

      it(`${group.backend}, n = ${v.n}: proofs of possession, certificates and PID openings, from their bytes`, () => {
        for (const m of v.members) {
          const y = point(m.pseudonymPublicHex);
          const pid = readPseudoIdentity(group, new Reader(fromHex(m.pidHex), 'pid'));
          const body = certificateBody(y, pid, BigInt(m.expiresAtMs));
          assert.equal(toHex(body), m.proofOfPossession.contextHex);
          const request = { publicKey: y, pid, expiresAtMs: BigInt(m.expiresAtMs) };
          assert.ok(
            verifyProofOfPossession(group, { ...request, proofOfPossession: proofOf(m.proofOfPossession) }),
          );
          assert.ok(
            !verifyProofOfPossession(group, { ...request, proofOfPossession: bumped(m.proofOfPossession) }),
          );
          assert.ok(schnorrVerify(group, POP_PURPOSE, y, body, proofOf(m.proofOfPossession)));
          const cert = decodePseudonymCertificate(group, fromHex(m.certificateHex));
          assert.equal(toHex(certificateSignedBytes(body)), m.certificateSignedBytesHex);
          assert.ok(certificateSigned(certPublicKey, cert));
          assert.ok(!certificateSigned(certPublicKey, { ...cert, expiresAtMs: cert.expiresAtMs + 1n }));
          assert.equal(toHex(pidOpeningContext(pid)), m.pidOpening.contextHex);
          const opening = readPidOpening(
            group,
            new Reader(fromHex(m.pidOpening.encodingHex), 'opening'),
            pid,
          );
          assert.ok(opening !== null);
          assert.equal(opening.realIdentity, m.realIdentity);
          assert.equal(toHex(opening.d), m.pidOpening.dHex);
          assert.ok(verifyPidOpening(group, params.regulatorKey, pid, opening));
          assert.ok(
            !verifyPidOpening(group, params.regulatorKey, pid, { ...opening, proof: bumped(m.pidOpening) }),
          );
        }
      });

      it(`${group.backend}, n = ${v.n}: trace, identity trace and its commitment, from their bytes`, () => {
        assert.equal(toHex(traceContext(sc, v.trace.memberIndex)), v.trace.contextHex);
        const t = {
          memberIndex: v.trace.memberIndex,
          pseudonym: ring.members[v.trace.memberIndex]!,
          proof: proofOf(v.trace),
        };
        assert.equal(t.memberIndex, v.signerIndex);
        assert.ok(verifyTrace(params, sc, ring, t));
        assert.ok(!verifyTrace(params, sc, ring, { ...t, proof: bumped(v.trace) }));
        const identity = decodeIdentityTrace(group, fromHex(v.identityTrace.encodingHex));
        assert.equal(identity.opening.realIdentity, v.members[v.signerIndex]!.realIdentity);
        const registered = new Map(v.members.map((m) => [m.pseudonymPublicHex, fromHex(m.certificateHex)]));
        const anchors = {
          params,
          certPublicKey,
          registeredCertificate: (y: Uint8Array) => registered.get(toHex(y)),
        };
        assert.ok(verifyIdentityTrace(anchors, sc, ring, identity));
        const opening = { salt: fromHex(v.identityTrace.saltHex), trace: identity };
        assert.equal(toHex(traceCommitment(opening.salt, identity)), v.identityTrace.commitmentHex);
        assert.ok(verifyTraceOpening(anchors, sc, ring, fromHex(v.identityTrace.commitmentHex), opening));
      });

      it(`${group.backend}, n = ${v.n}: decryption and sendership proofs, from their bytes`, () => {
        assert.equal(toHex(decryptionContext(sc)), v.decryption.contextHex);
        const decryption = { shared: point(v.decryption.sharedHex), proof: proofOf(v.decryption) };
        assert.equal(toHex(verifyDecryption(params, sc, ring, decryption)!), v.messageHex);
        assert.equal(
          verifyDecryption(params, sc, ring, { ...decryption, proof: bumped(v.decryption) }),
          null,
        );
        const callerContext = fromHex(v.sendership.callerContextHex);
        assert.equal(toHex(sendershipContext(sc, callerContext)), v.sendership.contextHex);
        const sender = ring.members[v.signerIndex]!;
        assert.ok(verifySendership(params, sc, sender, proofOf(v.sendership), callerContext));
        assert.ok(!verifySendership(params, sc, sender, bumped(v.sendership), callerContext));
        // the kept trace secret a opens the tag to the sender: T2 − a·P = Y
        const a = decodeSecretScalar(fromHex(v.sendership.traceSecretHex));
        assert.equal(toHex(group.sub(sc.t2, group.mul(a, params.regulatorKey))), toHex(sender));
      });
    }
  }
});
