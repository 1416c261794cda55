/**
 * `member.rotate-key` (docs/protocol.md §4.2): a member replaces its organisation key. The
 * transaction is signed with the old key (the participant's); it carries the new key and the new
 * key's proof of possession over (chain, member, old key, new key). Once it commits, the old key
 * signs nothing more, and the new key's first transaction carries nonce 1.
 */
import { orgKeyRotationBytes, rotateKeyPayload } from '../../contracts/orgKeys.ts';
import { type OrgKeyPair, orgSign } from '../../crypto/ed25519.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The key being replaced (the participant's, which signs the transaction) and its successor. */
export interface RotateOrgKeyParams {
  readonly oldKey: Uint8Array;
  readonly newKey: OrgKeyPair;
}

/** The `member.rotate-key` payload: `newKey`'s public key and its proof of possession. */
export function rotationPayload(
  chainId: string,
  member: string,
  oldKey: Uint8Array,
  newKey: OrgKeyPair,
): { newKey: Uint8Array; proof: Uint8Array } {
  return {
    newKey: newKey.publicKey,
    proof: orgSign(newKey, orgKeyRotationBytes(chainId, member, oldKey, newKey.publicKey)),
  };
}

/** `member` (signing with `oldKey`) replaces its organisation key with `newKey`. */
export function rotateOrgKey(
  member: ParticipantClient,
  { oldKey, newKey }: RotateOrgKeyParams,
): Promise<TxReceipt> {
  return member.sendOrg(
    'member.rotate-key',
    rotateKeyPayload,
    rotationPayload(member.chain.chainId, member.id, oldKey, newKey),
  );
}
