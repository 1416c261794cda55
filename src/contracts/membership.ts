/**
 * Membership (docs/protocol.md §4): genesis makes the trading centre the consortium's certificate
 * authority and regulator; it publishes the regulator's public keys once, registers generators,
 * aggregators and large consumers, and suspends or reinstates them. A generator publishes the
 * receiving key to which consumers signcrypt their bill responses, proving that it holds it.
 * Joining from a signed card is ./memberAdmission.ts; organisation keys over time ./orgKeys.ts;
 * the certification key's rotation ./certKeyRotation.ts; what the chain remembers of them
 * ./memberHistory.ts.
 */
import { Writer } from '../codec/writer.ts';
import { isValidEd25519PublicKey } from '../crypto/ed25519Strict.ts';
import type { MemberRole } from '../ledger/memberRecord.ts';
import { schnorrVerify } from '../privacy/schnorr.ts';
import { ContractError } from './contractError.ts';
import { REGULATOR_KEY, receivingKey, suspendedKey } from './keys.ts';
import { memberById, notFound, orgKind } from './kinds.ts';
import { admit } from './memberAdmission.ts';
import { assertFreshOrgKey } from './memberHistory.ts';
import { memberId, regulatorRecord } from './records.ts';
import { bool, fixed, oneOf, optional, point, record, scalar, struct } from './schema.ts';

/** `regulator.setup`: the trading centre publishes P and its certificate key, once. */
export const regulatorSetup = orgKind({
  kind: 'regulator.setup',
  roles: ['trading-centre'],
  payload: regulatorRecord,
  execute({ payload, draft }) {
    // [FAIL] the regulator's keys are set once
    if (draft.get(REGULATOR_KEY) !== undefined) {
      throw new ContractError('CONTRACT_EXISTS', 'the regulator keys are already set');
    }
    // [FAIL] a certification key that can verify no signature would refuse every pseudonym forever
    if (!isValidEd25519PublicKey(payload.certPublicKey))
      throw new ContractError('CONTRACT_BAD_PROOF', 'invalid certification key');
    draft.put(REGULATOR_KEY, regulatorRecord, payload);
  },
});

const REGISTERABLE: readonly MemberRole[] = ['generator', 'aggregator', 'consumer'];

/** `member.register` payload. */
export const memberRegisterPayload = record('member.register', 1, {
  id: memberId,
  role: oneOf(['generator', 'aggregator', 'consumer'] as const),
  orgKey: fixed(32),
  aggregator: optional(memberId),
});

/**
 * `member.register`: the trading centre admits a generator, aggregator or large consumer on its own
 * word (the organisation's card, with its signature checked on chain, goes through `member.admit`,
 * ./memberAdmission.ts).
 */
export const memberRegister = orgKind({
  kind: 'member.register',
  roles: ['trading-centre'],
  payload: memberRegisterPayload,
  execute({ ctx, payload: p, draft }) {
    // [FAIL] an id already in use, or a key that is invalid, in use, used before or a validator's
    if (memberById(ctx, p.id) !== undefined)
      throw new ContractError('CONTRACT_EXISTS', `member ${p.id} exists`);
    assertFreshOrgKey(draft, p.orgKey);
    // [FAIL] only a consumer names an aggregator, and it must be one
    if ((p.role === 'consumer') !== (p.aggregator !== null)) {
      throw new ContractError('CONTRACT_WRONG_ROLE', 'a consumer, and only a consumer, names its aggregator');
    }
    if (p.aggregator !== null && memberById(ctx, p.aggregator)?.role !== 'aggregator') {
      throw new ContractError('CONTRACT_WRONG_ROLE', `${p.aggregator} is not an aggregator`);
    }
    admit(
      ctx,
      draft,
      p.aggregator === null
        ? { id: p.id, role: p.role, orgKey: p.orgKey }
        : { id: p.id, role: p.role, orgKey: p.orgKey, aggregator: p.aggregator },
      'register',
    );
  },
});

/** `member.suspend` payload: suspend (true) or reinstate (false). */
export const memberSuspendPayload = record('member.suspend', 1, { id: memberId, suspended: bool });

/** `member.suspend`: the trading centre suspends or reinstates a member (never itself). */
export const memberSuspend = orgKind({
  kind: 'member.suspend',
  roles: ['trading-centre'],
  payload: memberSuspendPayload,
  execute({ ctx, payload: p, draft }) {
    const m = memberById(ctx, p.id) ?? notFound('member', { id: p.id });
    if (!REGISTERABLE.includes(m.role))
      throw new ContractError('CONTRACT_WRONG_ROLE', 'the trading centre cannot be suspended');
    draft.putBytes(suspendedKey(p.id), p.suspended ? Uint8Array.of(1) : null);
  },
});

/** `member.receiving-key` payload: Z and a Schnorr proof of possession of z. */
export const receivingKeyPayload = record('member.receiving-key', 1, {
  key: point,
  proof: struct({ e: scalar, z: scalar }),
});

/** The bytes a receiving key's proof of possession signs. */
export function receivingKeyProofBytes(chainId: string, member: string, key: Uint8Array): Uint8Array {
  return new Writer().string('dpp/receiving-key/v1').string(chainId).string(member).fixed(key, 32).finish();
}

/** `member.receiving-key`: a generator publishes (or rotates) its receiving key. */
export const memberReceivingKey = orgKind({
  kind: 'member.receiving-key',
  roles: ['generator'],
  payload: receivingKeyPayload,
  execute({ ctx, payload: p, sender, draft }) {
    // [FAIL] no proof that the sender holds z for Z
    const message = receivingKeyProofBytes(ctx.block.chainId, sender.id, p.key);
    if (!schnorrVerify(ctx.group, 'receiving-key', p.key, message, p.proof)) {
      throw new ContractError('CONTRACT_BAD_PROOF', 'proof of possession of the receiving key fails');
    }
    draft.put(receivingKey(sender.id), receivingKeyRecord, { key: p.key });
  },
});

/** The stored receiving key. */
export const receivingKeyRecord = record('receiving', 1, { key: point });
