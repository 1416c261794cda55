/**
 * `member.receiving-key` (docs/protocol.md §4): a generator publishes the key Z consumers
 * signcrypt their bill responses to, with a Schnorr proof of possession of z bound to the chain and
 * the member.
 */
import { receivingKeyPayload, receivingKeyProofBytes } from '../../contracts/membership.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { schnorrSign } from '../../privacy/schnorr.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** What `publishReceivingKey` publishes. */
export interface PublishReceivingKeyParams {
  /** The generator's receiving key pair (z, Z). */
  readonly key: KeyPair;
}

/** The generator publishes its receiving key with its proof of possession. */
export function publishReceivingKey(
  generator: ParticipantClient,
  { key }: PublishReceivingKeyParams,
): Promise<TxReceipt> {
  const { chainId, group } = generator.chain;
  const message = receivingKeyProofBytes(chainId, generator.id, key.publicKey);
  const proof = schnorrSign(group, 'receiving-key', key.secret, key.publicKey, message);
  return generator.sendOrg('member.receiving-key', receivingKeyPayload, { key: key.publicKey, proof });
}
