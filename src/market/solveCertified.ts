/**
 * Solve, certify, repair (docs/market-model.md §6.3). The fast leaders' iteration finds a point
 * where every leader is at a local optimum of its profit; the certificate searches each leader's
 * whole price range. When the round does not certify, the repair runs Gauss–Seidel sweeps of
 * global best responses from the unrounded equilibrium (each leader in turn moves to the best price
 * the branch and bound of priceSearch.ts finds, if it gains more than ε/8 there), then sharpens the
 * point with the fast iteration and certifies again. If nobody moves, the violation is one the
 * rounding to whole µ¥/kWh made (§5, §12), which moving leaders cannot repair: the round stands.
 * A game without a pure equilibrium can cycle, so after a bounded number of repairs, each within a
 * work budget, the best round seen (fewest participants beyond ε, then the smallest gap) is
 * returned with its certificate, certified or not.
 */
import { type Certificate, type CertifyOptions, certify } from './certify.ts';
import { findEquilibrium, type SolveOptions } from './equilibrium.ts';
import { demandAt } from './followers.ts';
import { evaluationCost, type PreparedMarket, prepare } from './prepared.ts';
import { searchOwnPrice } from './priceSearch.ts';
import { type MarketResult, settleAtPrices } from './stackelberg.ts';
import type { Scenario } from './types.ts';

/** A solved round with its certificate. */
export interface CertifiedResult {
  readonly result: MarketResult;
  readonly certificate: Certificate;
  /** Repair rounds run before the returned result was found. */
  readonly repairs: number;
}

/** Solves and certifies a round, repairing up to `maxRepairs` times. */
export function solveCertified(
  scenario: Scenario,
  options: SolveOptions & CertifyOptions & { readonly maxRepairs?: number } = {},
): CertifiedResult {
  const pm = prepare(scenario);
  const maxRepairs = options.maxRepairs ?? 3;
  const eps = options.epsilonMicroYuanPerKWh ?? 100;
  let eq = findEquilibrium(pm, options);
  let iterations = eq.iterations;
  let best: CertifiedResult | undefined;
  for (let repairs = 0; ; repairs++) {
    const result = settleAtPrices(pm, eq.prices, {
      iterations,
      converged: eq.converged,
      globalMoves: eq.globalMoves,
      globallyStable: eq.globallyStable,
      residualMicroYuanPerKWh: eq.residual * 1e6,
    });
    const certificate = certify(result, options);
    const current: CertifiedResult = { result, certificate, repairs };
    if (best === undefined || score(current) < score(best)) best = current;
    if (certificate.certified || repairs >= maxRepairs) return best;
    const p = Float64Array.from(eq.prices);
    const sweeps = globalSweeps(pm, p, eps, 8);
    if (sweeps.moves === 0) return best; // unrounded, no leader gains more than ε/8: nothing to repair
    eq = findEquilibrium(pm, { ...options, start: p, globalGrid: 0 });
    iterations += sweeps.sweeps + eq.iterations;
  }
}

/** Work budget of one repair's sweeps, operations (evaluationCost per demand evaluation). */
const REPAIR_BUDGET = 3e8;

/**
 * Gauss–Seidel sweeps of global best responses (in place); stops when a sweep moves nobody, or when
 * the repair's work budget is spent (a large round that cycles must not search for ever).
 */
function globalSweeps(
  pm: PreparedMarket,
  p: Float64Array,
  epsMicroYuanPerKWh: number,
  maxSweeps: number,
): { sweeps: number; moves: number } {
  let moves = 0;
  let left = Math.floor(REPAIR_BUDGET / evaluationCost(pm)); // demand evaluations
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    let moved = false;
    for (let g = 0; g < pm.G; g++) {
      if (left <= 0) return { sweeps: sweep, moves };
      const epsilon = epsMicroYuanPerKWh * 1e-6 * pm.cost[g]!.capacity;
      const r = searchOwnPrice(pm, demandAt(pm, p), g, {
        epsilon,
        initialGrid: 128,
        maxEvaluations: Math.min(4000, left),
        mode: 'respond',
      });
      left -= r.evaluations;
      if (r.at !== null && r.proven > epsilon / 8) {
        p[g] = r.at;
        moved = true;
        moves++;
      }
    }
    if (!moved) return { sweeps: sweep, moves };
  }
  return { sweeps: maxSweeps, moves };
}

/** Lower is better: participants beyond ε, then the largest gap. */
function score(r: CertifiedResult): number {
  const all = [...r.certificate.leaders, ...r.certificate.followers];
  const violations = all.filter((b) => !b.certified).length;
  return violations * 1e12 + Math.max(r.certificate.maxLeaderGap, r.certificate.maxFollowerGap);
}
