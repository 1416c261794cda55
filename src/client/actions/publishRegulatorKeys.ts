/**
 * `regulator.setup` (docs/protocol.md §4): the trading centre publishes the regulator's tracing key
 * P and its certificate key, once, before the first pseudonym is registered.
 */
import { regulatorRecord } from '../../contracts/records.ts';
import type { RegulatorKeys } from '../../privacy/regulator.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** What `publishRegulatorKeys` publishes. */
export interface PublishRegulatorKeysParams {
  readonly regulator: Pick<RegulatorKeys, 'masterPublic' | 'certPublicKey'>;
}

/** The trading centre publishes the regulator's public keys. */
export function publishRegulatorKeys(
  tradingCentre: ParticipantClient,
  { regulator }: PublishRegulatorKeysParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('regulator.setup', regulatorRecord, {
    masterPublic: regulator.masterPublic,
    certPublicKey: regulator.certPublicKey,
  });
}
