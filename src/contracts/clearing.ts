/**
 * Clearing a round inside execution (docs/protocol.md §6): the round's offers and pseudonymous
 * demands become a market scenario (../market/types.ts) and `solveCertified` computes the
 * reputation-aware Stackelberg equilibrium — the same integers on every validator, because the
 * solver uses only IEEE arithmetic and Math.sqrt, iterates in canonical (sorted) order and
 * quantises its floats before anything is stored. Consumers enter under their pseudonym's hex, in
 * their aggregator's group, with the tariffs of the round and the reputation the regulator attested.
 */
import { toHex } from '../codec/bytes.ts';
import type { Point } from '../crypto/group.ts';
import { isDppError } from '../errors.ts';
import { solveCertified } from '../market/solveCertified.ts';
import type { Scenario } from '../market/types.ts';
import { moneyFor } from '../market/units.ts';
import { ContractError } from './contractError.ts';
import type { ClearingRecord, DemandRecord, OfferRecord, RoundTerms } from './records.ts';

/** An offer with the generator's reputation at clearing. */
export interface ClearingOffer {
  readonly generator: string;
  readonly offer: OfferRecord;
  readonly reputationPpm: number;
}

/** A demand with its pseudonym's registration. */
export interface ClearingDemand {
  readonly pseudonym: Point;
  readonly aggregator: string;
  readonly demand: DemandRecord;
  readonly reputationPpm: number;
}

/** One energy contract of the equilibrium. */
export interface ClearedContract {
  readonly generator: string;
  readonly consumer: Point;
  readonly aggregator: string;
  readonly energyWh: bigint;
  readonly priceMicroYuanPerKWh: bigint;
}

/**
 * The market scenario of a round: its offers with the generators' reputations, the demand of each
 * pseudonym in its aggregator's group with the attested reputation, and the round's tariffs.
 * Clearing solves it; the API rebuilds it from a cleared round to compare the trading modes.
 */
export function roundScenario(
  terms: RoundTerms,
  offers: readonly ClearingOffer[],
  demands: readonly ClearingDemand[],
): Scenario {
  return {
    name: 'round',
    parameters: {
      benchmarkMicroYuanPerKWh: terms.benchmarkMicroYuanPerKWh,
      outsideOption: terms.outsideOption,
      reputationWeightMicroYuanPerKWh: terms.reputationWeightMicroYuanPerKWh,
      substitutionPpm: terms.substitutionPpm,
    },
    generators: offers.map((o) => ({
      id: o.generator,
      capacityWh: o.offer.capacityWh,
      costQuadraticMicroYuanPerMWh2: o.offer.costQuadraticMicroYuanPerMWh2,
      costLinearMicroYuanPerKWh: o.offer.costLinearMicroYuanPerKWh,
      costFixedMicroYuan: o.offer.costFixedMicroYuan,
      reputationPpm: o.reputationPpm,
    })),
    consumers: demands.map((d) => ({
      id: toHex(d.pseudonym),
      group: d.aggregator,
      demandWh: d.demand.demandWh,
      catalogMicroYuanPerKWh: terms.catalogMicroYuanPerKWh,
      transmissionMicroYuanPerKWh: terms.transmissionMicroYuanPerKWh,
      fundsMicroYuanPerKWh: terms.fundsMicroYuanPerKWh,
      diversificationMicroYuanPerKWh: d.demand.diversificationMicroYuanPerKWh,
      reputationPpm: d.reputationPpm,
    })),
  };
}

/** Solves the round; a round without offers or without demand clears with no contracts. */
export function clearRound(
  terms: RoundTerms,
  offers: readonly ClearingOffer[],
  demands: readonly ClearingDemand[],
): { clearing: ClearingRecord; contracts: ClearedContract[] } {
  const catalogCost = demands.reduce(
    (s, d) => s + moneyFor(d.demand.demandWh, terms.catalogMicroYuanPerKWh),
    0n,
  );
  if (offers.length === 0 || demands.length === 0) {
    const clearing: ClearingRecord = {
      prices: [],
      certified: true,
      maxLeaderGapMicroYuanPerKWh: 0n,
      maxFollowerGapMicroYuanPerKWh: 0n,
      energyWh: 0n,
      costMicroYuan: catalogCost,
      catalogCostMicroYuan: catalogCost,
    };
    return { clearing, contracts: [] };
  }
  const byHex = new Map(demands.map((d) => [toHex(d.pseudonym), d]));
  const scenario = roundScenario(terms, offers, demands);
  let solved: ReturnType<typeof solveCertified>;
  try {
    solved = solveCertified(scenario);
  } catch (cause) {
    // A scenario the market refuses is a failed clearing, never a handler fault that stalls the chain.
    const reason = isDppError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
    throw new ContractError('CONTRACT_CLEARING_FAILED', `the round does not clear: ${reason}`);
  }
  const { result, certificate } = solved;
  const contracts = result.contracts.map((c): ClearedContract => {
    const d = byHex.get(c.consumerId)!;
    return {
      generator: c.generatorId,
      consumer: d.pseudonym,
      aggregator: d.aggregator,
      energyWh: c.energyWh,
      priceMicroYuanPerKWh: c.priceMicroYuanPerKWh,
    };
  });
  const clearing: ClearingRecord = {
    prices: result.prices.map((p) => ({
      generator: p.generatorId,
      priceMicroYuanPerKWh: p.priceMicroYuanPerKWh,
      reputationPpm: offers.find((o) => o.generator === p.generatorId)!.reputationPpm,
    })),
    certified: certificate.certified,
    maxLeaderGapMicroYuanPerKWh: ceilNonNegative(certificate.maxLeaderGap),
    maxFollowerGapMicroYuanPerKWh: ceilNonNegative(certificate.maxFollowerGap),
    energyWh: contracts.reduce((s, c) => s + c.energyWh, 0n),
    costMicroYuan: result.outcome.consumers.reduce((s, c) => s + c.costMicroYuan, 0n),
    catalogCostMicroYuan: catalogCost,
  };
  return { clearing, contracts };
}

function ceilNonNegative(x: number): bigint {
  return Number.isFinite(x) && x > 0 ? BigInt(Math.ceil(x)) : 0n;
}
