/**
 * `meter.submit` (docs/protocol.md §7): after the delivery window, an aggregator meters its
 * consumers' energy contracts — what each generator delivered and each consumer took — which
 * issues their bills.
 */
import { meterPayload } from '../../contracts/metering.ts';
import type { RecordOf } from '../../contracts/records.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The round and one reading per bill. */
export type MeterReadingsParams = RecordOf<typeof meterPayload>;

/** One bill's reading. */
export type MeterReading = MeterReadingsParams['readings'][number];

/** The aggregator submits its readings. */
export function submitMeterReadings(
  aggregator: ParticipantClient,
  params: MeterReadingsParams,
): Promise<TxReceipt> {
  return aggregator.sendOrg('meter.submit', meterPayload, params);
}
