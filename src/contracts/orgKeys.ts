/**
 * Organisation keys over time (docs/protocol.md §4.2):
 *
 * - `member.rotate-key` — a member replaces its organisation key. It signs the transaction with its
 *   current (old) key and carries the new key with a proof of possession: the new key's Ed25519
 *   signature over frame(`dpp/org-key-rotation/v1`, [chain id, member id, old key, new key]), so
 *   the proof cannot be moved to another chain, member or rotation.
 * - `member.recover-key` — the trading centre, on its authority, replaces the key of a member that
 *   lost it (no old key needed), with a reason; with the member's new signed card (for this chain,
 *   its id, role and aggregator, the new key) the chain checks possession of the new key too.
 *
 * Both leave an audit record (`keychange/‖n‖id`: who, height, time, old and new key, reason,
 * whether possession was proven) and retire the old key for good (`retiredkey/`): from the next
 * transaction on, anything it signs is invalid (LEDGER_UNAUTHORISED: not a member's key), and the
 * new key — never used before — starts its own nonce sequence at 1.
 */
import { bytesEqual, utf8 } from '../codec/bytes.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { frame } from '../crypto/hash.ts';
import { ContractError } from './contractError.ts';
import { memberById, notFound, orgKind } from './kinds.ts';
import { assertCardSigned, signedCardShape } from './memberAdmission.ts';
import { assertFreshOrgKey, changeOrgKey } from './memberHistory.ts';
import { memberId, text } from './records.ts';
import { fixed, optional, record, struct } from './schema.ts';

/** The domain tag of a rotation's proof of possession. */
export const ORG_KEY_ROTATION_TAG = 'dpp/org-key-rotation/v1';

/** The bytes the new key signs to prove possession when it replaces `oldKey` as `member`'s key. */
export function orgKeyRotationBytes(
  chainId: string,
  member: string,
  oldKey: Uint8Array,
  newKey: Uint8Array,
): Uint8Array {
  return frame(ORG_KEY_ROTATION_TAG, [utf8(chainId), utf8(member), oldKey, newKey]);
}

/** `member.rotate-key` payload: the new key and its proof of possession. */
export const rotateKeyPayload = record('member.rotate-key', 1, { newKey: fixed(32), proof: fixed(64) });

/** `member.rotate-key`: a member replaces its organisation key, signing with the old one. */
export const memberRotateKey = orgKind({
  kind: 'member.rotate-key',
  roles: ['trading-centre', 'generator', 'aggregator', 'consumer'],
  payload: rotateKeyPayload,
  execute({ ctx, payload: p, sender, draft }) {
    // [FAIL] a new key that is invalid, in use, used before or a validator's
    assertFreshOrgKey(draft, p.newKey);
    // [FAIL] no proof that the sender holds the new key, for this chain, member and old key
    const statement = orgKeyRotationBytes(ctx.block.chainId, sender.id, sender.orgKey, p.newKey);
    if (!verifyEd25519(p.newKey, statement, p.proof))
      throw new ContractError('CONTRACT_BAD_PROOF', 'the proof of possession of the new key does not verify');
    changeOrgKey(ctx, draft, sender, p.newKey, {
      how: 'rotate',
      by: sender.id,
      reason: '',
      possessionProven: true,
    });
  },
});

/** `member.recover-key` payload: whose key, the new key, why, and optionally the member's new signed card. */
export const recoverKeyPayload = record('member.recover-key', 1, {
  id: memberId,
  newKey: fixed(32),
  reason: text,
  card: optional(struct(signedCardShape)),
});

/** `member.recover-key`: the trading centre replaces a member's lost organisation key. */
export const memberRecoverKey = orgKind({
  kind: 'member.recover-key',
  roles: ['trading-centre'],
  payload: recoverKeyPayload,
  execute({ ctx, payload: p, sender, draft }) {
    const m = memberById(ctx, p.id) ?? notFound('member', { id: p.id });
    // [FAIL] the trading centre rotates its own key; recovering it is out of scope
    if (m.role === 'trading-centre')
      throw new ContractError(
        'CONTRACT_WRONG_ROLE',
        'the trading centre’s key is not recovered: it rotates it with member.rotate-key',
      );
    // [FAIL] a recovery is audited: it says why
    if (p.reason.trim().length === 0)
      throw new ContractError('CONTRACT_BAD_STATUS', 'a key recovery needs a reason');
    // [FAIL] a new key that is invalid, in use, used before or a validator's
    assertFreshOrgKey(draft, p.newKey);
    // [FAIL] a card given as proof must be the member's, for this chain, declaring the new key
    if (p.card !== null) {
      assertCardSigned(ctx, p.card);
      const c = p.card.card;
      if (
        c.id !== m.id ||
        c.role !== m.role ||
        (c.aggregator ?? null) !== (m.aggregator ?? null) ||
        !bytesEqual(c.orgKey, p.newKey)
      )
        throw new ContractError(
          'CONTRACT_BAD_PROOF',
          `the card is not ${m.id}'s with the new key (its id, role, aggregator and organisation key must match)`,
        );
    }
    changeOrgKey(ctx, draft, m, p.newKey, {
      how: 'recover',
      by: sender.id,
      reason: p.reason,
      possessionProven: p.card !== null,
    });
  },
});
