/**
 * Pseudonyms (docs/protocol.md §5). The regulator records each certified one-time pseudonym key of
 * a consumer for one round, with the consumer's aggregator and the consumer's reputation it attests;
 * validators check the regulator's certificate and the member's proof of possession (so the
 * regulator cannot have made the key), but never learn who is behind it — the certificate's PID
 * opens only with the master key. The rings a bill response is verified against are drawn from the
 * aggregator's billed pseudonyms at clearing (./rings.ts); a revoked pseudonym leaves them.
 */
import type { Group } from '../crypto/group.ts';
import type { StateReader } from '../ledger/worldState.ts';
import {
  certificateStatus,
  decodePseudonymCertificate,
  encodeCertificate,
  type PseudonymCertificate,
  verifyProofOfPossession,
} from '../privacy/pseudonymCertificate.ts';
import { ContractError } from './contractError.ts';
import { readRecord } from './draft.ts';
import { pseudonymKey, REGULATOR_KEY } from './keys.ts';
import { memberById, notFound, orgKind } from './kinds.ts';
import {
  CERTIFICATE_BYTES,
  memberId,
  ppm,
  pseudonymRecord,
  REPUTATION_LEVEL_PPM,
  type RegulatorRecord,
  regulatorRecord,
} from './records.ts';
import { beforeGateClosure, disputesCloseAtMs } from './rounds.ts';
import { type Field, point, record, scalar, struct, u64 } from './schema.ts';

/** The regulator's public keys, or CONTRACT_NO_REGULATOR before `regulator.setup`. */
export function regulatorOf(state: StateReader, group: Group): RegulatorRecord {
  const r = readRecord(state, group, REGULATOR_KEY, regulatorRecord);
  if (r === undefined) throw new ContractError('CONTRACT_NO_REGULATOR', 'the regulator keys are not set yet');
  return r;
}

/** A pseudonym certificate (../privacy/pseudonymCertificate.ts encoding), decoded strictly. */
const certificateField: Field<PseudonymCertificate> = {
  write: (w, v) => void w.fixed(encodeCertificate(v), CERTIFICATE_BYTES),
  read: (r, group) => decodePseudonymCertificate(group, r.fixed(CERTIFICATE_BYTES)),
};

/** `pseudonym.register` payload. */
export const pseudonymRegisterPayload = record('pseudonym.register', 1, {
  round: u64(),
  aggregator: memberId,
  reputationPpm: ppm,
  /** Decoded (and its points validated) with the payload: a malformed certificate makes the transaction invalid. */
  certificate: certificateField,
  /** The member's Schnorr proof of possession of the pseudonym secret. */
  proofOfPossession: struct({ e: scalar, z: scalar }),
});

/** `pseudonym.register`: the regulator records a consumer's certified one-time pseudonym for a round. */
export const pseudonymRegister = orgKind({
  kind: 'pseudonym.register',
  roles: ['trading-centre'],
  payload: pseudonymRegisterPayload,
  execute({ ctx, payload: p, draft }) {
    const regulator = regulatorOf(draft, ctx.group);
    // [FAIL] an exact reputation would link the consumer's pseudonyms across rounds: levels only
    if (p.reputationPpm % REPUTATION_LEVEL_PPM !== 0) {
      throw new ContractError(
        'CONTRACT_BAD_PSEUDONYM',
        `attest a reputation level: a multiple of ${REPUTATION_LEVEL_PPM} ppm`,
      );
    }
    // [FAIL] pseudonyms join a round only while it is open, before its gate closure
    const round = beforeGateClosure(draft, p.round, ctx.block.timestampMs);
    if (memberById(ctx, p.aggregator)?.role !== 'aggregator') {
      throw new ContractError('CONTRACT_WRONG_ROLE', `${p.aggregator} is not an aggregator`);
    }
    const cert = p.certificate;
    // [FAIL] not signed by the regulator's certificate key, or expired now
    const status = certificateStatus(
      { masterPublic: regulator.masterPublic, certPublicKey: regulator.certPublicKey },
      cert,
      ctx.block.timestampMs,
    );
    if (status !== 'valid')
      throw new ContractError('CONTRACT_BAD_PROOF', `pseudonym certificate is ${status}`);
    // [FAIL] it must stay valid until the round's disputes can no longer be escalated
    const needed = disputesCloseAtMs(round.terms);
    if (cert.expiresAtMs < needed) {
      throw new ContractError(
        'CONTRACT_BAD_PSEUDONYM',
        'the pseudonym expires before the round’s disputes close',
        {
          expiresAtMs: cert.expiresAtMs.toString(),
          neededMs: needed.toString(),
        },
      );
    }
    // [FAIL] the member did not prove possession of the secret (the regulator could have made the key)
    const request = {
      publicKey: cert.publicKey,
      pid: cert.pid,
      expiresAtMs: cert.expiresAtMs,
      proofOfPossession: p.proofOfPossession,
    };
    if (!verifyProofOfPossession(ctx.group, request)) {
      throw new ContractError('CONTRACT_BAD_PROOF', 'proof of possession of the pseudonym key fails');
    }
    // [FAIL] a key is registered once
    if (draft.get(pseudonymKey(cert.publicKey)) !== undefined) {
      throw new ContractError('CONTRACT_EXISTS', 'pseudonym key already registered');
    }
    draft.put(pseudonymKey(cert.publicKey), pseudonymRecord, {
      round: p.round,
      aggregator: p.aggregator,
      expiresAtMs: cert.expiresAtMs,
      reputationPpm: p.reputationPpm,
      certificate: encodeCertificate(cert),
      revoked: false,
      roundScorePpm: null,
    });
  },
});

/** `pseudonym.revoke` payload. */
export const pseudonymRevokePayload = record('pseudonym.revoke', 1, { key: point });

/** `pseudonym.revoke`: the regulator revokes a pseudonym; it leaves its ring and can no longer sign. */
export const pseudonymRevoke = orgKind({
  kind: 'pseudonym.revoke',
  roles: ['trading-centre'],
  payload: pseudonymRevokePayload,
  execute({ payload: p, draft }) {
    const reg = draft.read(pseudonymKey(p.key), pseudonymRecord) ?? notFound('pseudonym');
    if (reg.revoked) throw new ContractError('CONTRACT_EXISTS', 'the pseudonym is already revoked');
    draft.put(pseudonymKey(p.key), pseudonymRecord, { ...reg, revoked: true });
  },
});
