/**
 * Clearing a round (docs/protocol.md §6): solve anywhere, verify everywhere. The trading centre (or
 * anyone) solves the round's reputation-aware Stackelberg game off chain — `solveCertified` on the
 * round's scenario — and `round.close` carries the equilibrium prices; every validator settles the
 * round at exactly those prices (../market/statements.ts `settleAtQuantisedPrices`: each consumer's
 * best response, floored to Wh, filled in priority order) and certifies them (../market/certify.ts).
 * Prices that are not an ε-equilibrium are refused (CONTRACT_NOT_EQUILIBRIUM) — so the cost inside
 * consensus is one settlement and one certificate, never the search.
 *
 * The result is recorded as statements (docs/market-model.md §13): one bill per consumer that buys
 * directly, one sale per generator, and the rings of each aggregator's billed pseudonyms
 * (./rings.ts) — O(J + G) records, whatever the number of pairs the split has. Consumers enter under
 * their pseudonym's hex, in their aggregator's group, with the tariffs of the round and the
 * reputation the regulator attested.
 */
import { toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import { isDppError } from '../errors.ts';
import { certify } from '../market/certify.ts';
import { prepare } from '../market/prepared.ts';
import { settleAtQuantisedPrices, statementsOf, suppliedTo } from '../market/statements.ts';
import type { Scenario } from '../market/types.ts';
import { moneyFor } from '../market/units.ts';
import { ContractError } from './contractError.ts';
import type {
  BillRecord,
  ClearingRecord,
  DemandRecord,
  OfferRecord,
  RoundTerms,
  SaleRecord,
} from './records.ts';
import { partitionRings } from './rings.ts';

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

/**
 * The market scenario of a round: its offers with the generators' reputations, the demand of each
 * pseudonym in its aggregator's group with the attested reputation, and the round's tariffs.
 * The trading centre solves it; validators settle and certify at the submitted prices; the API
 * serves it (so anyone can solve it) and rebuilds it from a cleared round to compare trading modes.
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

/** What clearing records: the equilibrium, one bill per buying consumer, one sale per generator, the rings. */
export interface ClearedRound {
  readonly clearing: ClearingRecord;
  readonly bills: BillRecord[];
  readonly sales: SaleRecord[];
  /** Per aggregator (sorted by id), its rings in index order. */
  readonly rings: [aggregator: string, rings: Point[][]][];
}

/**
 * Settles and certifies the round at `prices` (µ¥/kWh, one per offer, in the offers' order — on
 * chain `round.offers`, sorted by id)
 * and turns the result into statements. Throws CONTRACT_NOT_EQUILIBRIUM when some participant could
 * gain more than ε by deviating, CONTRACT_CLEARING_FAILED when the market refuses the scenario.
 */
export function clearAtPrices(
  chainId: string,
  round: bigint,
  terms: RoundTerms,
  offers: readonly ClearingOffer[],
  demands: readonly ClearingDemand[],
  prices: readonly bigint[],
): ClearedRound {
  if (prices.length !== offers.length) {
    throw new ContractError(
      'CONTRACT_BAD_ROUND',
      `${prices.length} prices for ${offers.length} offers: one price per offering generator, in id order`,
    );
  }
  let settled: ReturnType<typeof settleAtQuantisedPrices>;
  let certificate: ReturnType<typeof certify>;
  try {
    const pm = prepare(roundScenario(terms, offers, demands)); // prepare validates it
    // the scenario is in canonical (id) order: each price follows its generator there
    const priceOf = new Map(offers.map((o, i) => [o.generator, prices[i]!]));
    settled = settleAtQuantisedPrices(
      pm,
      pm.scenario.generators.map((g) => priceOf.get(g.id)!),
    );
    certificate = certify(settled);
  } catch (cause) {
    // A scenario the market refuses is a failed clearing, never a handler fault that stalls the chain.
    const reason = isDppError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
    throw new ContractError('CONTRACT_CLEARING_FAILED', `the round does not clear: ${reason}`);
  }
  if (!certificate.certified) {
    throw new ContractError('CONTRACT_NOT_EQUILIBRIUM', 'the prices are not an equilibrium within ε', {
      epsilonMicroYuanPerKWh: String(certificate.epsilonMicroYuanPerKWh),
      maxLeaderGapMicroYuanPerKWh: String(Math.ceil(certificate.maxLeaderGap)),
      maxFollowerGapMicroYuanPerKWh: String(Math.ceil(certificate.maxFollowerGap)),
    });
  }
  const statements = statementsOf(settled);
  const demandOf = new Map(demands.map((d) => [toHex(d.pseudonym), d]));
  const billed = statements.consumers.map((s) => ({ s, d: demandOf.get(s.consumerId)! }));
  const byAggregator = new Map<string, Point[]>();
  for (const { d } of billed) {
    const members = byAggregator.get(d.aggregator) ?? [];
    if (members.length === 0) byAggregator.set(d.aggregator, members);
    members.push(d.pseudonym);
  }
  const rings = [...byAggregator]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([aggregator, members]): [string, Point[][]] => [
      aggregator,
      partitionRings(chainId, round, aggregator, members, terms.ringSize),
    ]);
  // each ring's counterparty: every bill of a ring is addressed to the same generator
  const consumerIndex = new Map(billed.map(({ s }) => [s.consumerId, s.consumer]));
  const generatorIds = settled.scenario.generators.map((g) => g.id);
  const placeOf = new Map<string, { ring: number; generator: string }>();
  for (const [aggregator, groups] of rings)
    for (const [i, members] of groups.entries()) {
      const hexes = members.map(toHex);
      const supplied = suppliedTo(
        settled,
        hexes.map((h) => consumerIndex.get(h)!),
      );
      const generator = counterparty(chainId, round, aggregator, i, generatorIds, supplied);
      for (const h of hexes) placeOf.set(h, { ring: i, generator });
    }
  const bills = billed.map(
    ({ s, d }, index): BillRecord => ({
      round,
      index,
      generator: placeOf.get(s.consumerId)!.generator,
      consumer: d.pseudonym,
      aggregator: d.aggregator,
      ring: placeOf.get(s.consumerId)!.ring,
      suppliers: s.suppliers,
      contractedWh: s.energyWh,
      contractedMicroYuan: s.energyMicroYuan,
      status: 'contracted',
      meter: null,
      billedWh: 0n,
      energyMicroYuan: 0n,
      transmissionMicroYuan: 0n,
      fundsMicroYuan: 0n,
      consumerPenaltyMicroYuan: 0n,
      respondedAtMs: null,
      response: null,
      resolution: '',
    }),
  );
  const sales = statements.generators.map(
    (g): SaleRecord => ({
      round,
      generator: g.generatorId,
      soldWh: g.soldWh,
      priceMicroYuanPerKWh: g.priceMicroYuanPerKWh,
      buyers: g.buyers,
      status: 'contracted',
      meter: null,
      billedWh: 0n,
      energyMicroYuan: 0n,
      penaltyMicroYuan: 0n,
    }),
  );
  const reputation = new Map(offers.map((o) => [o.generator, o.reputationPpm]));
  const clearing: ClearingRecord = {
    prices: statements.generators.map((g) => ({
      generator: g.generatorId,
      priceMicroYuanPerKWh: g.priceMicroYuanPerKWh,
      reputationPpm: reputation.get(g.generatorId)!,
      soldWh: g.soldWh,
    })),
    certified: true,
    maxLeaderGapMicroYuanPerKWh: ceilNonNegative(certificate.maxLeaderGap),
    maxFollowerGapMicroYuanPerKWh: ceilNonNegative(certificate.maxFollowerGap),
    energyWh: bills.reduce((s, b) => s + b.contractedWh, 0n),
    costMicroYuan: settled.outcome.consumers.reduce((s, c) => s + c.costMicroYuan, 0n),
    catalogCostMicroYuan: catalogCost(terms, demands),
  };
  return { clearing, bills, sales, rings };
}

/** What the round's demand would cost at the catalog tariff alone. */
export function catalogCost(terms: RoundTerms, demands: readonly ClearingDemand[]): bigint {
  return demands.reduce((s, d) => s + moneyFor(d.demand.demandWh, terms.catalogMicroYuanPerKWh), 0n);
}

/**
 * The generator the bills of one ring are addressed to — their counterparty for confirmations and
 * disputes: one of the ring's suppliers, drawn in proportion to the energy each supplies to the
 * ring's members together — u = (first 8 bytes of SHA-256(frame("dpp/ring-counterparty/v1") ‖
 * chain ‖ u64 round ‖ aggregator ‖ u32 ring)) mod that energy, and the generator whose cumulative
 * supply (generators in id order) first exceeds u. One addressee per ring, so a response's addressee
 * says no more than its ring (docs/privacy.md §3.6); drawn by supply, so each generator answers for
 * about its share of the market's bills; deterministic, so every validator draws the same one.
 */
export function counterparty(
  chainId: string,
  round: bigint,
  aggregator: string,
  ring: number,
  generators: readonly string[],
  suppliedWh: readonly bigint[],
): string {
  const h = sha256(
    new Writer()
      .string('dpp/ring-counterparty/v1')
      .string(chainId)
      .u64(round)
      .string(aggregator)
      .u32(ring)
      .finish(),
  );
  let draw = 0n;
  for (let i = 0; i < 8; i++) draw = (draw << 8n) | BigInt(h[i]!);
  draw %= suppliedWh.reduce((t, wh) => t + wh, 0n);
  let cumulative = 0n;
  for (const [g, wh] of suppliedWh.entries()) {
    cumulative += wh;
    if (draw < cumulative) return generators[g]!;
  }
  throw new RangeError('a ring of billed consumers is supplied some energy');
}

function ceilNonNegative(x: number): bigint {
  return Number.isFinite(x) && x > 0 ? BigInt(Math.ceil(x)) : 0n;
}
