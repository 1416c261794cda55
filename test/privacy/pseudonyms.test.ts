import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Reader } from '../../src/codec/reader.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import {
  encodePidOpening,
  issuePseudoIdentity,
  openPseudoIdentity,
  readPidOpening,
  verifyPidOpening,
} from '../../src/privacy/pseudoIdentity.ts';
import {
  certificateStatus,
  certifyPseudonym,
  decodePseudonymCertificate,
  encodeCertificate,
  requestCertification,
} from '../../src/privacy/pseudonymCertificate.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import { ringFromCertificates } from '../../src/privacy/ring.ts';
import { EXPIRY_MS, keyPair, makeWorld, NOW_MS } from './fixtures.ts';

const g = await libsodiumGroup();
const random = seededRandom('pseudonyms');
const regulator = setupRegulator(g, random);
const none = { has: () => false };

describe('pseudo-identities', () => {
  it('open to the real identity, with a proof anyone can check against P', () => {
    const pid = issuePseudoIdentity(g, regulator, 'Shandong Steel Works');
    const opening = openPseudoIdentity(g, regulator, pid);
    assert.equal(opening.realIdentity, 'Shandong Steel Works');
    assert.equal(verifyPidOpening(g, regulator.masterPublic, pid, opening), true);
    const reread = readPidOpening(g, new Reader(encodePidOpening(opening), 'opening'), pid);
    assert.equal(reread?.realIdentity, 'Shandong Steel Works');
    assert.equal(verifyPidOpening(g, regulator.masterPublic, pid, reread!), true);
  });

  it('a wrong claimed identity, another regulator, or a tampered PID fail', () => {
    const pid = issuePseudoIdentity(g, regulator, 'consumer-a');
    const opening = openPseudoIdentity(g, regulator, pid);
    assert.equal(
      verifyPidOpening(g, regulator.masterPublic, pid, { ...opening, realIdentity: 'consumer-b' }),
      false,
    );
    const other = setupRegulator(g, seededRandom('other regulator'));
    assert.equal(verifyPidOpening(g, other.masterPublic, pid, opening), false);
    assert.throws(
      () => openPseudoIdentity(g, other, pid),
      (e) => isDppError(e, 'PRIVACY_PID_INVALID'),
    );
    const pid2 = pid.pid2.slice();
    pid2[5]! ^= 1;
    assert.throws(
      () => openPseudoIdentity(g, regulator, { ...pid, pid2 }),
      (e) => isDppError(e, 'PRIVACY_PID_INVALID'),
    );
  });

  it('are unlinkable: the same identity gets unrelated PIDs of one length', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (rid) => {
        const a = issuePseudoIdentity(g, regulator, rid);
        const b = issuePseudoIdentity(g, regulator, rid);
        assert.notEqual(toHex(a.pid1), toHex(b.pid1));
        assert.notEqual(toHex(a.pid2), toHex(b.pid2));
        assert.equal(a.pid2.length, issuePseudoIdentity(g, regulator, 'x').pid2.length);
      }),
      { numRuns: 20 },
    );
  });

  it('refuse empty and over-long identities', () => {
    assert.throws(
      () => issuePseudoIdentity(g, regulator, ''),
      (e) => isDppError(e, 'PRIVACY_PID_INVALID'),
    );
    assert.throws(
      () => issuePseudoIdentity(g, regulator, 'x'.repeat(64)),
      (e) => isDppError(e, 'PRIVACY_PID_INVALID'),
    );
  });
});

describe('pseudonym certificates', () => {
  const member = keyPair(g, random);
  const pid = issuePseudoIdentity(g, regulator, 'consumer-7');
  const request = requestCertification(g, member.secret, member.publicKey, pid, EXPIRY_MS);

  it('certify a key whose possession is proved, and round-trip their encoding', () => {
    const cert = certifyPseudonym(g, regulator, request, none, NOW_MS);
    assert.equal(certificateStatus(regulator, cert, NOW_MS), 'valid');
    const decoded = decodePseudonymCertificate(g, encodeCertificate(cert));
    assert.deepEqual(encodeCertificate(decoded), encodeCertificate(cert));
    assert.equal(certificateStatus(regulator, decoded, NOW_MS), 'valid');
  });

  it('refuse a proof of possession by another key, a duplicate key, a PID from elsewhere, a past expiry', () => {
    const other = keyPair(g, random);
    const stolen = { ...request, publicKey: other.publicKey };
    assert.throws(
      () => certifyPseudonym(g, regulator, stolen, none, NOW_MS),
      (e) => isDppError(e, 'PRIVACY_PROOF_OF_POSSESSION_INVALID'),
    );
    const longer = { ...request, expiresAtMs: EXPIRY_MS + 1n };
    assert.throws(
      () => certifyPseudonym(g, regulator, longer, none, NOW_MS),
      (e) => isDppError(e, 'PRIVACY_PROOF_OF_POSSESSION_INVALID'),
      'the expiry is covered by the proof',
    );
    assert.throws(
      () => certifyPseudonym(g, regulator, request, { has: () => true }, NOW_MS),
      (e) => isDppError(e, 'PRIVACY_DUPLICATE_KEY'),
    );
    const foreign = issuePseudoIdentity(g, setupRegulator(g, seededRandom('foreign')), 'consumer-7');
    const foreignRequest = requestCertification(g, member.secret, member.publicKey, foreign, EXPIRY_MS);
    assert.throws(
      () => certifyPseudonym(g, regulator, foreignRequest, none, NOW_MS),
      (e) => isDppError(e, 'PRIVACY_PID_INVALID'),
    );
    assert.throws(
      () => certifyPseudonym(g, regulator, request, none, EXPIRY_MS),
      (e) => isDppError(e, 'PRIVACY_PSEUDONYM_EXPIRED'),
    );
  });

  it('expire at their expiry and fail with a tampered signature or field', () => {
    const cert = certifyPseudonym(g, regulator, request, none, NOW_MS);
    assert.equal(certificateStatus(regulator, cert, EXPIRY_MS - 1n), 'valid');
    assert.equal(certificateStatus(regulator, cert, EXPIRY_MS), 'expired');
    const signature = cert.signature.slice();
    signature[0]! ^= 1;
    assert.equal(certificateStatus(regulator, { ...cert, signature }, NOW_MS), 'bad-signature');
    assert.equal(
      certificateStatus(regulator, { ...cert, expiresAtMs: EXPIRY_MS + 1000n }, NOW_MS),
      'bad-signature',
    );
  });

  it('an expired or uncertified pseudonym cannot join a ring', () => {
    const world = makeWorld(g, 3, 'ring-certs');
    const certs = world.members.map((m) => m.certificate);
    assert.throws(
      () => ringFromCertificates(world.regulator, certs, EXPIRY_MS),
      (e) => isDppError(e, 'PRIVACY_PSEUDONYM_EXPIRED'),
    );
    const forged = { ...certs[1]!, publicKey: keyPair(g, random).publicKey };
    assert.throws(
      () => ringFromCertificates(world.regulator, [certs[0]!, forged], NOW_MS),
      (e) => isDppError(e, 'PRIVACY_CERTIFICATE_INVALID'),
    );
    assert.equal(ringFromCertificates(world.regulator, certs, NOW_MS).members.length, 3);
  });

  it('the certificate decoder throws only DecodeError on arbitrary bytes', () => {
    const valid = encodeCertificate(certifyPseudonym(g, regulator, request, none, NOW_MS));
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(valid.length + 2),
        (at, xor, len) => {
          const b = valid.slice(0, len);
          if (at < b.length) b[at]! ^= xor;
          try {
            decodePseudonymCertificate(g, b);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
