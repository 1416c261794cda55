/**
 * Baseline 2, one-to-one bilateral negotiation (../shared/DESIGN.md "Market model"): consumers, by
 * size (largest first), each sign one contract with the cheapest generator that still has capacity
 * and gains from trade with it; generators are ranked by cost (marginal opportunity cost at zero
 * direct sales, then at full output). The contract is capacity-limited and covers the demand up to
 * where the generator's marginal (opportunity) cost reaches the consumer's valuation; the rest is
 * bought from the grid. Its price is the equal-power Nash bargaining solution: the surplus is split
 * equally, so p = (V(q)/q + ΔE/q)/2 — the midpoint of the consumer's average valuation and the
 * generator's average incremental cost (its marginal cost, or the outside option if higher).
 *
 * Two valuations (the pricing rule the sensitivity analysis varies):
 *   'nash'             — V(q) = R·q, the consumer's reservation price (catalog − T&D − funds);
 *   'same-preferences' — V(q) = (R − θ(1 − r_g))·q − β q²/2, the same utility as in the Stackelberg
 *                        mode (risk premium for the seller's reputation, diversification cost).
 */
import { type CostModel, effectiveCost, effectiveMarginal } from '../generatorCost.ts';
import { type IndexedContract, settle } from '../modeOutcome.ts';
import { prepare } from '../prepared.ts';
import type { ModeOutcome, Scenario } from '../types.ts';
import { floorWh, quantisePrice } from '../units.ts';

/** How a bilateral contract values energy for the consumer. */
export type BilateralPricing = 'nash' | 'same-preferences';

/** Settles the round under one-to-one bilateral contracts. */
export function bilateralMode(scenario: Scenario, pricing: BilateralPricing = 'nash'): ModeOutcome {
  const pm = prepare(scenario);
  const { cost, R, D } = pm;
  const sold = new Float64Array(pm.G);
  const gens = cost.map((_, g) => g);
  const start = (g: number): number => effectiveMarginal(cost[g]!, 0);
  const full = (g: number): number => 2 * cost[g]!.a * cost[g]!.capacity + cost[g]!.b;
  gens.sort((x, y) => start(x) - start(y) || full(x) - full(y) || x - y);
  const buyers = D.map((_, j) => j).sort((x, y) => D[y]! - D[x]! || x - y);
  const contracts: IndexedContract[] = [];
  for (const j of buyers) {
    const beta = pm.betaP[j]! / (1 - pm.sigma);
    for (const g of gens) {
      const m = cost[g]!;
      const room = m.capacity - sold[g]!;
      const value = pricing === 'nash' ? R[j]! : R[j]! - pm.premium[g]!; // marginal value of the first kWh
      if (!(room > 0) || !(value > effectiveMarginal(m, sold[g]!))) continue;
      // Largest q with marginal value ≥ marginal opportunity cost, within demand and capacity.
      const q0 = Math.min(D[j]!, room, gainsLimit(m, sold[g]!, value, pricing === 'nash' ? 0 : beta));
      const energyWh = snapWh(q0);
      if (energyWh <= 0n) continue;
      const q = Number(energyWh) / 1000;
      const valuation = pricing === 'nash' ? value * q : value * q - (beta * q * q) / 2;
      const incremental = effectiveCost(m, sold[g]! + q) - effectiveCost(m, sold[g]!);
      const price = (valuation + incremental) / (2 * q);
      sold[g] = sold[g]! + q;
      contracts.push({ j, g, energyWh, priceMicroYuanPerKWh: quantisePrice(price) });
      break; // one contract per consumer
    }
  }
  return settle(pm.scenario, pricing === 'nash' ? 'bilateral' : 'bilateral-same-preferences', contracts);
}

/**
 * The largest q ≥ 0 with value − βq ≥ E'(x₀ + q), E' = max(w, 2a·x + b): closed form on the flat
 * (outside option) piece, then on the rising piece (∞ when neither ever binds).
 */
function gainsLimit(m: CostModel, x0: number, value: number, beta: number): number {
  const rising = (): number => {
    const slope = beta + 2 * m.a;
    return slope > 0 ? Math.max(0, (value - m.b - 2 * m.a * x0) / slope) : value >= m.b ? Infinity : 0;
  };
  if (Number.isNaN(m.w) || x0 >= m.qw) return rising();
  if (value < m.w) return 0;
  const flat = m.qw - x0; // marginal opportunity cost is w up to q_w
  if (value - beta * flat < m.w) return (value - m.w) / beta;
  return Math.max(flat, rising());
}

/** Whole Wh of a quantity in kWh: the nearest when float error only hides an exact value, else floor. */
function snapWh(kWh: number): bigint {
  const wh = kWh * 1000;
  const near = Math.round(wh);
  return Math.abs(wh - near) <= 1e-6 * Math.max(1, near) * 1e-3 ? BigInt(near) : floorWh(kWh);
}
