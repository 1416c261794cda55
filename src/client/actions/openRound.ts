/**
 * `round.open` (docs/protocol.md §6): the trading centre opens a market round whose windows count
 * from the chain's time now, with the scenario's tariffs (catalog, T&D, government funds, from its
 * first consumer), benchmark price, reputation weight, substitution and outside option, a 5 %
 * deviation tolerance, a penalty of a tenth of the catalog tariff and rings of DEFAULT_RING_SIZE.
 */
import type { RoundTerms } from '../../contracts/records.ts';
import { roundOpenPayload } from '../../contracts/rounds.ts';
import type { Scenario } from '../../market/types.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The anonymity set of a bill response unless the round asks for another (docs/privacy.md §3.6). */
export const DEFAULT_RING_SIZE = 16;

/** A new round's windows, in ms. */
export interface RoundWindows {
  /** Offers, demand and pseudonyms are taken for this long after opening (gate closure). */
  readonly gateClosureMs: bigint;
  /** Delivery starts this long after gate closure: the round must close within it. */
  readonly deliveryLeadMs: bigint;
  readonly deliveryLengthMs: bigint;
  /** Meter readings and the consumers' answers are due this long after delivery. */
  readonly responseWindowMs: bigint;
  /** A generator acknowledges a response within this long. */
  readonly ackWindowMs: bigint;
}

/** What `openRound` opens. */
export interface OpenRoundParams {
  /** The round's id: the latest round's + 1. */
  readonly id: bigint;
  /** Where the tariffs and market parameters come from. */
  readonly scenario: Scenario;
  readonly windows: RoundWindows;
  /** Label of the delivery period (default `round <id>`). */
  readonly period?: string;
  /** Ring size (default DEFAULT_RING_SIZE). */
  readonly ringSize?: number;
}

/** An opened round. */
export interface OpenedRound {
  readonly id: bigint;
  readonly terms: RoundTerms;
  /** The chain's time the windows count from. */
  readonly openedAtMs: bigint;
  readonly receipt: TxReceipt;
}

/** The terms of a round opened at chain time `nowMs`. */
export function roundTerms(
  scenario: Scenario,
  nowMs: bigint,
  w: RoundWindows,
  period: string,
  ringSize = DEFAULT_RING_SIZE,
): RoundTerms {
  const tariff = scenario.consumers[0]!;
  const market = scenario.parameters;
  const gateClosureMs = nowMs + w.gateClosureMs;
  const deliveryStartMs = gateClosureMs + w.deliveryLeadMs;
  const deliveryEndMs = deliveryStartMs + w.deliveryLengthMs;
  return {
    period,
    gateClosureMs,
    deliveryStartMs,
    deliveryEndMs,
    responseDeadlineMs: deliveryEndMs + w.responseWindowMs,
    ackWindowMs: w.ackWindowMs,
    catalogMicroYuanPerKWh: tariff.catalogMicroYuanPerKWh,
    transmissionMicroYuanPerKWh: tariff.transmissionMicroYuanPerKWh,
    fundsMicroYuanPerKWh: tariff.fundsMicroYuanPerKWh,
    benchmarkMicroYuanPerKWh: market.benchmarkMicroYuanPerKWh,
    reputationWeightMicroYuanPerKWh: market.reputationWeightMicroYuanPerKWh,
    substitutionPpm: market.substitutionPpm,
    outsideOption: market.outsideOption,
    tolerancePpm: 50_000,
    penaltyMicroYuanPerKWh: tariff.catalogMicroYuanPerKWh / 10n,
    ringSize,
  };
}

/** The trading centre opens round `id`; its windows count from the chain's time when it is sent. */
export async function openRound(
  tradingCentre: ParticipantClient,
  params: OpenRoundParams,
): Promise<OpenedRound> {
  const { id, scenario, windows } = params;
  // The round opens in a block after `now`: gate closure leaves the whole window from then on.
  const openedAtMs = await tradingCentre.read((r) => r.chainTimeMs());
  const terms = roundTerms(scenario, openedAtMs, windows, params.period ?? `round ${id}`, params.ringSize);
  const receipt = await tradingCentre.sendOrg('round.open', roundOpenPayload, { id, terms });
  return { id, terms, openedAtMs, receipt };
}
