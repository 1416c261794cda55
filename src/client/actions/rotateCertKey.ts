/**
 * `regulator.rotate-cert-key` (docs/protocol.md §4.3): the trading centre replaces the regulator's
 * pseudonym-certification key, proving it holds the new one. Pseudonyms registered before keep
 * their registration; from this block on, the chain registers only certificates of the new key.
 */
import { certKeyRotationBytes, rotateCertKeyPayload } from '../../contracts/certKeyRotation.ts';
import { type OrgKeyPair, orgSign } from '../../crypto/ed25519.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The certification key on chain now, and its successor. */
export interface RotateCertKeyParams {
  readonly oldKey: Uint8Array;
  readonly newKey: OrgKeyPair;
}

/** The `regulator.rotate-cert-key` payload: the new key and its proof of possession. */
export function certRotationPayload(
  chainId: string,
  oldKey: Uint8Array,
  newKey: OrgKeyPair,
): { newKey: Uint8Array; proof: Uint8Array } {
  return {
    newKey: newKey.publicKey,
    proof: orgSign(newKey, certKeyRotationBytes(chainId, oldKey, newKey.publicKey)),
  };
}

/** The trading centre replaces the certification key `oldKey` with `newKey`. */
export function rotateCertKey(
  tradingCentre: ParticipantClient,
  { oldKey, newKey }: RotateCertKeyParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg(
    'regulator.rotate-cert-key',
    rotateCertKeyPayload,
    certRotationPayload(tradingCentre.chain.chainId, oldKey, newKey),
  );
}
