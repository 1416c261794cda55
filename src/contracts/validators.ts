/**
 * Reconfiguring the validator set (docs/protocol.md §4.4, docs/ledger.md §9): `validator.change`
 * adds a validator, removes one, or replaces one's consensus key. The change is *pending* from its
 * commit until the end of its activation block (the next multiple of RECONFIGURATION_INTERVAL),
 * when the ledger applies it and the new set certifies every later block (../ledger/validatorSet.ts).
 *
 * Who may:
 *   add, remove  the trading centre sends it, with the approvals of a quorum of the current
 *                validators (each a signature by its consensus key over `changeApprovalBytes`,
 *                bound to the current epoch) — so neither the trading centre alone nor a minority
 *                of validators can change who decides what is final;
 *   rekey        any member sends it, with the approval of the validator's current (old) key: a
 *                validator's operator replaces its own key;
 *   add, rekey   also carry a proof of possession of the new key (its signature over
 *                `changeKeyProofBytes`), a key no validator of any epoch and no member ever used.
 * One change at a time: a change is refused while another is pending.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { isValidEd25519PublicKey, verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { MAX_VALIDATORS, quorumSize } from '../ledger/certificate.ts';
import { parseHostPort } from '../ledger/endpoint.ts';
import { nonceKey, orgKeyKey } from '../ledger/stateKeys.ts';
import {
  activationHeight,
  allEpochs,
  changeApprovalBytes,
  changeKeyProofBytes,
  currentEpoch,
  encodePendingChange,
  nextSlot,
  PENDING_CHANGE_KEY,
  pendingChange,
  type ValidatorChange,
} from '../ledger/validatorSet.ts';
import { ContractError } from './contractError.ts';
import { orgKind } from './kinds.ts';
import { retiredKeyKey } from './memberHistory.ts';
import { fixed, list, oneOf, record, str, struct, u32 } from './schema.ts';

const NAME = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** `validator.change` payload. `key`: the new key (add, rekey; 32 zero bytes for remove); `proof`: its signature (64 zero bytes for remove). */
export const validatorChangePayload = record('validator.change', 1, {
  change: oneOf(['add', 'remove', 'rekey'] as const),
  name: str(64, NAME),
  key: fixed(32),
  p2p: str(260),
  proof: fixed(64),
  approvals: list(struct({ slot: u32(0xffff), signature: fixed(64) }), MAX_VALIDATORS),
});

/** `validator.change`: see the header. */
export const validatorChange = orgKind({
  kind: 'validator.change',
  roles: ['trading-centre', 'generator', 'aggregator', 'consumer'],
  payload: validatorChangePayload,
  execute({ ctx, payload: p, sender, draft }) {
    const state = ctx.state;
    // [FAIL] add and remove are the trading centre's to send; a rekey is any member's
    if (p.change !== 'rekey' && sender.role !== 'trading-centre')
      throw new ContractError('CONTRACT_WRONG_ROLE', `only the trading centre may ${p.change} a validator`);
    // [FAIL] one change at a time
    const pending = pendingChange(state);
    if (pending !== null) {
      throw new ContractError(
        'CONTRACT_EXISTS',
        `a validator change (${pending.change.type} ${pending.change.name}) is pending until height ${pending.activation}`,
      );
    }
    const epoch = currentEpoch(state);
    const current = epoch.validators.find((v) => v.name === p.name);
    const change: ValidatorChange =
      p.change === 'add'
        ? { type: 'add', name: p.name, publicKey: p.key, p2p: p.p2p }
        : p.change === 'remove'
          ? { type: 'remove', name: p.name }
          : { type: 'rekey', name: p.name, publicKey: p.key };
    const chainId = ctx.block.chainId;

    if (change.type === 'add') {
      // [FAIL] a name in use, a set at its largest, an endpoint that cannot be dialled
      if (current !== undefined) throw new ContractError('CONTRACT_EXISTS', `validator ${p.name} exists`);
      if (epoch.validators.length >= MAX_VALIDATORS)
        throw new ContractError('CONTRACT_LIMIT', `a validator set holds at most ${MAX_VALIDATORS}`);
      if (parseHostPort(p.p2p) === null)
        throw new ContractError('CONTRACT_BAD_PROOF', `p2p endpoint “${p.p2p}” is not host:port`);
    } else {
      // [FAIL] no such validator; removing the last one
      if (current === undefined) throw new ContractError('CONTRACT_NOT_FOUND', `no validator ${p.name}`);
      if (change.type === 'remove' && epoch.validators.length === 1)
        throw new ContractError('CONTRACT_LIMIT', 'the last validator cannot be removed');
      if (p.p2p !== '') throw new ContractError('CONTRACT_BAD_PROOF', `a ${p.change} names no p2p endpoint`);
    }
    if (change.type === 'remove') {
      if (!p.key.every((b) => b === 0) || !p.proof.every((b) => b === 0))
        throw new ContractError('CONTRACT_BAD_PROOF', 'a removal carries no key and no proof');
    } else {
      // [FAIL] a new key that is invalid, used by any validator of any epoch or by a member, or unproven
      if (!isValidEd25519PublicKey(p.key))
        throw new ContractError('CONTRACT_BAD_PROOF', 'invalid validator key');
      // (a key is used once, for one purpose, ever: docs/protocol.md §4.2)
      const used = allEpochs(state).some((e) => e.validators.some((v) => bytesEqual(v.publicKey, p.key)));
      const member =
        state.get(orgKeyKey(p.key)) !== undefined ||
        state.get(retiredKeyKey(p.key)) !== undefined ||
        state.get(nonceKey(p.key)) !== undefined;
      if (used || member)
        throw new ContractError(
          'CONTRACT_EXISTS',
          `key ${toHex(p.key).slice(0, 16)}… is ${used ? 'a validator key' : 'or was an organisation key'}: a key is used once`,
        );
      if (!verifyEd25519(p.key, changeKeyProofBytes(chainId, epoch.number, change), p.proof))
        throw new ContractError('CONTRACT_BAD_PROOF', 'the proof of possession of the new key fails');
    }

    // [FAIL] approvals that are not valid, distinct signatures of current validators, or too few
    const message = changeApprovalBytes(chainId, epoch.number, change);
    const approvers = new Set<number>();
    for (const a of p.approvals) {
      const v = epoch.validators.find((x) => x.slot === a.slot);
      if (v === undefined || approvers.has(a.slot) || !verifyEd25519(v.publicKey, message, a.signature))
        throw new ContractError('CONTRACT_BAD_SIGNATURE', `approval by slot ${a.slot} does not verify`);
      approvers.add(a.slot);
    }
    if (change.type === 'rekey') {
      if (!approvers.has(current!.slot))
        throw new ContractError(
          'CONTRACT_BAD_SIGNATURE',
          `a rekey needs the approval of ${p.name}'s current key`,
        );
    } else if (approvers.size < quorumSize(epoch.validators.length)) {
      throw new ContractError(
        'CONTRACT_BAD_SIGNATURE',
        `${approvers.size} approvals; a ${p.change} needs ${quorumSize(epoch.validators.length)} of the ${epoch.validators.length} validators`,
      );
    }
    const slot = current?.slot ?? nextSlot(state);
    draft.putBytes(
      PENDING_CHANGE_KEY,
      encodePendingChange({ activation: activationHeight(ctx.block.height), slot, change }),
    );
  },
});
