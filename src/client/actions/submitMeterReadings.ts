/**
 * Metering (docs/protocol.md §7): after the delivery window, an aggregator meters what its
 * consumers took (`meter.submit`), which issues their bills, and the trading centre meters what
 * each generator delivered against its sales (`meter.generation`), which pays them. A list longer
 * than one transaction takes (MAX_ROUND_PARTICIPANTS readings) is sent in several, in order.
 */
import { generationPayload, meterPayload } from '../../contracts/metering.ts';
import { MAX_ROUND_PARTICIPANTS, type RecordOf } from '../../contracts/records.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The round and one reading per bill. */
export type MeterReadingsParams = RecordOf<typeof meterPayload>;

/** One bill's reading. */
export type MeterReading = MeterReadingsParams['readings'][number];

/** The round and one reading per generator. */
export type GenerationReadingsParams = RecordOf<typeof generationPayload>;

/**
 * The aggregator submits its consumers' readings: one transaction per MAX_ROUND_PARTICIPANTS, in
 * order, each after the previous committed — so a failure leaves a known prefix committed (the
 * receipts returned so far) and the rest unsent.
 */
export async function submitMeterReadings(
  aggregator: ParticipantClient,
  params: MeterReadingsParams,
): Promise<TxReceipt[]> {
  const receipts: TxReceipt[] = [];
  for (const readings of batches(params.readings))
    receipts.push(await aggregator.sendOrg('meter.submit', meterPayload, { round: params.round, readings }));
  return receipts;
}

/** The trading centre submits what the generators delivered, batched as `submitMeterReadings`. */
export async function submitGenerationReadings(
  tradingCentre: ParticipantClient,
  params: GenerationReadingsParams,
): Promise<TxReceipt[]> {
  const receipts: TxReceipt[] = [];
  for (const readings of batches(params.readings))
    receipts.push(
      await tradingCentre.sendOrg('meter.generation', generationPayload, { round: params.round, readings }),
    );
  return receipts;
}

/** `list` in consecutive slices of at most MAX_ROUND_PARTICIPANTS. */
function batches<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += MAX_ROUND_PARTICIPANTS)
    out.push(list.slice(i, i + MAX_ROUND_PARTICIPANTS));
  return out;
}
