/**
 * Identity traces cannot frame an organisation (docs/privacy.md §5, §6 "No framing"). Before the
 * fix, `verifyIdentityTrace` checked the ring trace, the certificate's key and the PID opening but
 * not the certificate's signature, so a certificate with a flipped signature bit, a changed expiry,
 * or re-pointed at another organisation's PID (presented with that PID's genuine, published
 * opening) verified. Each case is refused here for several ring sizes, directly and through a trace
 * commitment's opening, and a property test gives a forger every PID opening ever published.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { orgSign } from '../../src/crypto/ed25519.ts';
import type { Point } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import {
  issuePseudoIdentity,
  openPseudoIdentity,
  type PidOpening,
  type PseudoIdentity,
} from '../../src/privacy/pseudoIdentity.ts';
import {
  certificateBody,
  certificateSignedBytes,
  encodeCertificate,
  type PseudonymCertificate,
} from '../../src/privacy/pseudonymCertificate.ts';
import { signcrypt } from '../../src/privacy/ringSigncryption.ts';
import {
  type IdentityTrace,
  type IdentityTraceAnchors,
  traceToIdentity,
  verifyIdentityTrace,
} from '../../src/privacy/trace.ts';
import {
  commitTrace,
  decodeIdentityTrace,
  encodeIdentityTrace,
  verifyTraceOpening,
} from '../../src/privacy/traceCommitment.ts';
import { makeWorld, type World } from './fixtures.ts';

const group = await libsodiumGroup();

/** A world, one signcryption by `signer`, its genuine identity trace, and the verifier's anchors. */
function traced(n: number, signer: number) {
  const world = makeWorld(group, n, `framing-${n}`);
  const sc = signcrypt(
    world.params,
    world.members[signer]!.keys,
    world.ring,
    world.receiver.publicKey,
    world.context,
    utf8('bill 7: disputed'),
    seededRandom(`framing-sc-${n}-${signer}`),
  );
  const t = traceToIdentity(world.params, world.regulator, sc, world.ring, (y) => certificateOf(world, y));
  return { world, sc, t, offChain: anchorsOf(world, false), onChain: anchorsOf(world, true) };
}

function certificateOf(world: World, y: Point): PseudonymCertificate | undefined {
  return world.members.find((m) => toHex(m.keys.publicKey) === toHex(y))?.certificate;
}

/** The regulator's keys; with `chain`, also the certificates registered for each pseudonym. */
function anchorsOf(world: World, chain: boolean): IdentityTraceAnchors {
  const base = { params: world.params, certPublicKey: world.regulator.certPublicKey };
  if (!chain) return base;
  return {
    ...base,
    registeredCertificate: (y) => {
      const cert = certificateOf(world, y);
      return cert === undefined ? undefined : encodeCertificate(cert);
    },
  };
}

/** `cert` as it stands, signed with `world`'s certification key (a regulator re-signing a tampered one). */
function resigned(world: World, cert: PseudonymCertificate): PseudonymCertificate {
  const signed = certificateSignedBytes(certificateBody(cert.publicKey, cert.pid, cert.expiresAtMs));
  return { ...cert, signature: orgSign(world.regulator.certKey, signed) };
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** The three framing cases of the report: each must be refused. */
function framings(world: World, t: IdentityTrace, signer: number): [string, IdentityTrace][] {
  const victim = world.members[(signer + 1) % world.members.length]!;
  const victimOpening = openPseudoIdentity(group, world.regulator, victim.certificate.pid);
  return [
    [
      'a certificate with one bit of its signature flipped',
      { ...t, certificate: { ...t.certificate, signature: flipBit(t.certificate.signature, 77) } },
    ],
    [
      'a certificate whose expiry was changed',
      { ...t, certificate: { ...t.certificate, expiresAtMs: t.certificate.expiresAtMs + 86_400_000n } },
    ],
    [
      'a certificate re-pointed at another organisation’s PID, with that PID’s genuine opening',
      { ...t, certificate: { ...t.certificate, pid: victim.certificate.pid }, opening: victimOpening },
    ],
  ];
}

describe('identity traces: the framing cases are refused', () => {
  for (const n of [2, 3, 8, 16]) {
    for (const signer of [0, n - 1]) {
      const { world, sc, t, offChain, onChain } = traced(n, signer);
      it(`n = ${n}, signer ${signer}: the genuine trace verifies, each framing is refused`, () => {
        assert.equal(verifyIdentityTrace(offChain, sc, world.ring, t), true);
        assert.equal(verifyIdentityTrace(onChain, sc, world.ring, t), true);
        for (const [name, forged] of framings(world, t, signer)) {
          assert.equal(verifyIdentityTrace(offChain, sc, world.ring, forged), false, name);
          assert.equal(verifyIdentityTrace(onChain, sc, world.ring, forged), false, `${name} (chain)`);
        }
      });

      it(`n = ${n}, signer ${signer}: the same through a trace commitment’s opening`, () => {
        const { opening, commitment } = commitTrace(t, seededRandom(`salt-${n}`));
        assert.equal(verifyTraceOpening(onChain, sc, world.ring, commitment, opening), true);
        for (const [name, forged] of framings(world, t, signer)) {
          // A forger commits to its own forgery (it controls the salt): the commitment matches,
          // the trace inside must still be refused.
          const f = commitTrace(forged, seededRandom(`salt-f-${n}`));
          assert.equal(verifyTraceOpening(offChain, sc, world.ring, f.commitment, f.opening), false, name);
          assert.equal(verifyTraceOpening(onChain, sc, world.ring, f.commitment, f.opening), false, name);
          // and it cannot reuse the genuine commitment either
          const swapped = { salt: opening.salt, trace: forged };
          assert.equal(verifyTraceOpening(onChain, sc, world.ring, commitment, swapped), false, name);
        }
      });
    }
  }

  it('a certificate signed by another regulator’s certification key is refused, even with its genuine opening', () => {
    const { world, sc, t, offChain } = traced(3, 1);
    const other = makeWorld(group, 3, 'another-regulator');
    const foreign = { ...t, certificate: resigned(other, t.certificate) };
    assert.equal(verifyIdentityTrace(offChain, sc, world.ring, foreign), false);
  });

  it('the regulator itself re-signing a re-pointed certificate is refused by a verifier with the chain', () => {
    // The certification key can sign anything; the chain registered one certificate per pseudonym,
    // whose PID the member's proof of possession bound, so the trace must carry exactly it.
    const { world, sc, t, onChain } = traced(4, 2);
    const victim = world.members[0]!;
    const forged = {
      ...t,
      certificate: resigned(world, { ...t.certificate, pid: victim.certificate.pid }),
      opening: openPseudoIdentity(group, world.regulator, victim.certificate.pid),
    };
    assert.equal(verifyIdentityTrace(onChain, sc, world.ring, forged), false);
    const unregistered = { ...onChain, registeredCertificate: () => undefined };
    assert.equal(verifyIdentityTrace(unregistered, sc, world.ring, t), false, 'no registered certificate');
  });

  it('the regulator does not trace to a certificate its key did not sign', () => {
    const { world, sc, t } = traced(3, 0);
    const bad = { ...t.certificate, signature: flipBit(t.certificate.signature, 3) };
    assert.throws(
      () => traceToIdentity(world.params, world.regulator, sc, world.ring, () => bad),
      (e: unknown) => (e as { code?: string }).code === 'PRIVACY_CERTIFICATE_INVALID',
    );
  });

  it('a decoded trace is re-checked, not trusted: the tampered bytes decode but do not verify', () => {
    const { world, sc, t, onChain } = traced(3, 2);
    const bytes = encodeIdentityTrace(t);
    // the certificate's signature sits at 4 + 32 + 64 + 153 .. + 64 in the trace encoding
    const tampered = flipBit(bytes, (4 + 32 + 64 + 153 + 10) * 8);
    const decoded = decodeIdentityTrace(group, tampered);
    assert.equal(verifyIdentityTrace(onChain, sc, world.ring, decoded), false);
    assert.equal(verifyIdentityTrace(onChain, sc, world.ring, decodeIdentityTrace(group, bytes)), true);
  });
});

describe('identity traces: property', () => {
  // Every PID the regulator ever issued to these organisations, each with its published opening:
  // the members' current PIDs and, per organisation, PIDs of earlier rounds.
  const worlds = [1, 3, 6].map((n) => {
    const world = makeWorld(group, n, `framing-property-${n}`);
    const random = seededRandom(`earlier-pids-${n}`);
    const published: { pid: PseudoIdentity; opening: PidOpening }[] = [];
    for (const m of world.members) {
      published.push({
        pid: m.certificate.pid,
        opening: openPseudoIdentity(group, world.regulator, m.certificate.pid),
      });
      for (let k = 0; k < 2; k++) {
        const pid = issuePseudoIdentity(group, world.regulator, m.realIdentity, random);
        published.push({ pid, opening: openPseudoIdentity(group, world.regulator, pid, random) });
      }
    }
    const sc = world.members.map((m, i) =>
      signcrypt(
        world.params,
        m.keys,
        world.ring,
        world.receiver.publicKey,
        world.context,
        utf8(`m${i}`),
        random,
      ),
    );
    const traces = sc.map((s) =>
      traceToIdentity(world.params, world.regulator, s, world.ring, (y) => certificateOf(world, y), random),
    );
    return { world, published, sc, traces, anchors: [anchorsOf(world, false), anchorsOf(world, true)] };
  });

  it('no identity trace verifies for an organisation other than the true signer’s, whatever a forger assembles', () => {
    fc.assert(
      fc.property(
        fc.nat(worlds.length - 1),
        fc.nat(100),
        fc.nat(100),
        fc.nat(100),
        fc.nat(100),
        fc.constantFrom('as-is', 'repoint', 'flip', 'expiry'),
        fc.nat(511),
        fc.boolean(),
        (w, signerPick, tracePick, certPick, openingPick, certEdit, bit, chain) => {
          const { world, published, sc, traces, anchors } = worlds[w]!;
          const n = world.members.length;
          const signer = signerPick % n;
          // the forger takes any genuine trace's proof, any member's certificate and any published opening
          const base = traces[tracePick % n]!;
          let certificate = world.members[certPick % n]!.certificate;
          const chosen = published[openingPick % published.length]!;
          if (certEdit === 'repoint') certificate = { ...certificate, pid: chosen.pid };
          if (certEdit === 'flip')
            certificate = { ...certificate, signature: flipBit(certificate.signature, bit) };
          if (certEdit === 'expiry')
            certificate = { ...certificate, expiresAtMs: certificate.expiresAtMs + 1n };
          const forged: IdentityTrace = { ...base, certificate, opening: chosen.opening };
          const ok = verifyIdentityTrace(anchors[chain ? 1 : 0]!, sc[signer]!, world.ring, forged);
          if (ok) assert.equal(forged.opening.realIdentity, world.members[signer]!.realIdentity);
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });
});
