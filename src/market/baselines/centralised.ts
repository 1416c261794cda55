/**
 * Baseline 3, centralised matching as provincial exchanges clear today (../shared/DESIGN.md
 * "Market model"): each consumer bids its whole demand at its reservation price (catalog − T&D −
 * funds); each generator offers its capacity in ten equal blocks, each at its average incremental
 * (opportunity) cost — the marginal cost at the block's midpoint, or the benchmark price where the
 * outside option is higher. Bids are sorted high → low, offers low → high (ties by id), matched while
 * the bid is at least the offer, and every matched kWh trades at one uniform price: the midpoint of
 * the last matched bid and the last matched offer. Quantities are matched in whole Wh.
 */
import { effectiveCost } from '../generatorCost.ts';
import { type IndexedContract, settle } from '../modeOutcome.ts';
import { prepare } from '../prepared.ts';
import { reservationMicroYuanPerKWh } from '../scenario.ts';
import type { ModeOutcome, Scenario } from '../types.ts';
import { divRoundHalfUp, minBig, quantisePrice } from '../units.ts';

/** Offer blocks per generator. */
export const BLOCKS = 10;

/** The matched round and its uniform price. */
export interface CentralisedResult {
  readonly outcome: ModeOutcome;
  /** Uniform clearing price, µ¥/kWh (null when nothing matched). */
  readonly priceMicroYuanPerKWh: bigint | null;
}

/** Clears the round by centralised matching. */
export function centralisedMode(scenario: Scenario): CentralisedResult {
  const pm = prepare(scenario);
  const { generators, consumers } = pm.scenario;
  const bids = consumers
    .map((c, j) => ({ j, price: reservationMicroYuanPerKWh(c), left: c.demandWh }))
    .sort((x, y) => (y.price > x.price ? 1 : y.price < x.price ? -1 : x.j - y.j));
  const offers: { g: number; block: number; price: bigint; left: bigint }[] = [];
  generators.forEach((gen, g) => {
    const m = pm.cost[g]!;
    const size = gen.capacityWh / BigInt(BLOCKS);
    for (let b = 0; b < BLOCKS; b++) {
      const energy = b === BLOCKS - 1 ? gen.capacityWh - size * BigInt(BLOCKS - 1) : size;
      if (energy <= 0n) continue;
      const from = (Number(size) * b) / 1000;
      const to = from + Number(energy) / 1000;
      const average = (effectiveCost(m, to) - effectiveCost(m, from)) / (to - from);
      offers.push({ g, block: b, price: quantisePrice(average), left: energy });
    }
  });
  offers.sort((x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : x.g - y.g || x.block - y.block));
  const matches: { j: number; g: number; energyWh: bigint }[] = [];
  let bi = 0;
  let oi = 0;
  let lastBid: bigint | null = null;
  let lastOffer: bigint | null = null;
  while (bi < bids.length && oi < offers.length) {
    const bid = bids[bi]!;
    const offer = offers[oi]!;
    if (bid.price < offer.price) break;
    const q = minBig(bid.left, offer.left);
    matches.push({ j: bid.j, g: offer.g, energyWh: q });
    lastBid = bid.price;
    lastOffer = offer.price;
    bid.left -= q;
    offer.left -= q;
    if (bid.left === 0n) bi++;
    if (offer.left === 0n) oi++;
  }
  if (lastBid === null || lastOffer === null) {
    return { outcome: settle(pm.scenario, 'centralised', []), priceMicroYuanPerKWh: null };
  }
  const uniform = divRoundHalfUp(lastBid + lastOffer, 2n);
  const contracts: IndexedContract[] = matches.map((k) => ({ ...k, priceMicroYuanPerKWh: uniform }));
  return { outcome: settle(pm.scenario, 'centralised', contracts), priceMicroYuanPerKWh: uniform };
}
