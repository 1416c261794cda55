/**
 * The leaders' Nash equilibrium in prices (docs/market-model.md §4), the followers' best responses
 * being solved in closed form (followers.ts). A damped Jacobi iteration of each leader's closed-form
 * best response on the current linear piece of its demand (leaders.ts), from the competitive floor,
 * with kink handling (steps stop at the edge of the current piece once a leader's direction
 * reverses; shared kinks are shared; a leader on a kink crosses only if its best response beyond
 * points onward; flat pieces are walked to their end), step control (reversals damp, a steady drift
 * — a "ladder" — accelerates), a stagnation test, a Gauss–Seidel fallback of exact best responses
 * within a work budget, and a coarse global look that moves a leader with a better distant price.
 * The iteration contracts when no capacity binds and demand stays on one linear piece (§4); whether
 * a result is an equilibrium is decided by certify.ts, not assumed.
 */
import { demandAt, pieceBounds } from './followers.ts';
import { currentProfit, exactBestResponse, gridBestResponse, localBestResponse } from './leaders.ts';
import { evaluationCost, type PreparedMarket } from './prepared.ts';

/** Tuning of the leaders' iteration (defaults are what the experiment and benchmark use). */
export interface SolveOptions {
  /** Local iterations before giving up on a round of the global look. */
  readonly maxIterations?: number;
  /** Stop when no leader's best-response step exceeds this, yuan/kWh. */
  readonly tolerance?: number;
  /** Points of the coarse global grid per leader (0 disables the global look). */
  readonly globalGrid?: number;
  /** How many times a leader may be moved by the global look. */
  readonly maxGlobalRounds?: number;
  /** Starting prices, yuan/kWh (default: every leader at its floor, the competitive start). */
  readonly start?: Float64Array;
  /** Gauss–Seidel sweeps of exact best responses when the fast iteration does not converge. */
  readonly exactSweeps?: number;
}

/** The leaders' prices found by the iteration, before quantisation. */
export interface Equilibrium {
  readonly prices: Float64Array;
  readonly iterations: number;
  /** The last local iteration met the tolerance. */
  readonly converged: boolean;
  /** Leaders moved by the global look. */
  readonly globalMoves: number;
  /** The final global look found no better grid price for any leader. */
  readonly globallyStable: boolean;
  /** Largest best-response step at the end, yuan/kWh. */
  readonly residual: number;
}

const DEFAULTS = {
  maxIterations: 4000,
  exactSweeps: 60,
  tolerance: 1e-10,
  globalGrid: 24,
  maxGlobalRounds: 4,
};

/** A clamped leader this close to a kink of its demand (yuan/kWh) is treated as sitting on it. */
const KINK = 1e-8;

/**
 * A leader blocked at a kink looks just past it: if its best response on the piece beyond still
 * points onward, the kink is not a maximum and it crosses (to that best response, within that
 * piece); otherwise the kink is a local maximum of its profit and it stays.
 */
function acrossKink(pm: PreparedMarket, p: Float64Array, g: number, dir: number, distance: number): number {
  const probe = Float64Array.from(p);
  probe[g] = p[g]! + dir * (distance + 1e-9);
  const st = demandAt(pm, probe);
  const t = localBestResponse(pm, st, g);
  if ((t - probe[g]!) * dir <= 0) return p[g]!;
  const piece = pieceBounds(pm, st);
  return Math.min(probe[g]! + piece.up[g]!, Math.max(probe[g]! - piece.down[g]!, t));
}

/**
 * The fallback when the fast iteration stalls: Gauss–Seidel over leaders, each moving to its exact
 * best response (leaders.ts) given the others' current prices, until a sweep moves no price by more
 * than the tolerance. Slower (about 100 demand evaluations per leader per sweep), but each step is a
 * true best response, so it cannot circle a kink the way linearised steps can.
 */
function gaussSeidel(
  pm: PreparedMarket,
  p: Float64Array,
  maxSweeps: number,
  tolerance: number,
): { sweeps: number; converged: boolean; residual: number } {
  let residual = Number.POSITIVE_INFINITY;
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    residual = 0;
    for (let g = 0; g < pm.G; g++) {
      const st = demandAt(pm, p);
      const q = exactBestResponse(pm, st, g);
      residual = Math.max(residual, Math.abs(q - p[g]!));
      p[g] = q;
    }
    if (residual <= tolerance) return { sweeps: sweep, converged: true, residual };
  }
  return { sweeps: maxSweeps, converged: false, residual };
}

/** Runs the leaders' iteration from the competitive floor (every price at its marginal cost). */
export function findEquilibrium(pm: PreparedMarket, options: SolveOptions = {}): Equilibrium {
  const o = { ...DEFAULTS, ...options };
  const p = Float64Array.from(options.start ?? pm.floorPrice);
  const target = new Float64Array(pm.G);
  let iterations = 0;
  let globalMoves = 0;
  let converged = false;
  let residual = Number.POSITIVE_INFINITY;
  // A leader whose step reverses direction is near a kink of its profit: from then on its steps
  // stop at the edge of the current linear piece, so it lands on the kink instead of jumping over it.
  const clamp = new Uint8Array(pm.G);
  const lastDir = new Int8Array(pm.G);
  for (let round = 0; ; round++) {
    converged = false;
    let alpha = 1;
    let previous = Number.POSITIVE_INFINITY;
    let stalled = 0;
    let calm = 0;
    const stepDir = new Int8Array(pm.G);
    let checkpoint = Number.POSITIVE_INFINITY;
    for (let it = 0; it < o.maxIterations; it++) {
      iterations++;
      const st = demandAt(pm, p);
      let anyClamped = false;
      let anyFlat = false;
      for (let g = 0; g < pm.G; g++) {
        target[g] = localBestResponse(pm, st, g);
        const dir = Math.sign(target[g]! - p[g]!);
        if (dir !== 0 && lastDir[g] !== 0 && dir !== lastDir[g]) clamp[g] = 1;
        if (dir !== 0) lastDir[g] = dir;
        if (clamp[g] === 1) anyClamped = true;
        if (!(st.slope[g]! > 0) && st.demand[g]! > 0) anyFlat = true;
      }
      if (anyFlat) {
        // A leader whose demand is locally flat (its buyers are saturated by it alone) raises its
        // price only to the end of the flat piece, where its demand starts to respond.
        const piece = pieceBounds(pm, st);
        for (let g = 0; g < pm.G; g++) {
          if (!(st.slope[g]! > 0) && st.demand[g]! > 0)
            target[g] = Math.min(target[g]!, p[g]! + piece.up[g]!);
        }
      }
      if (anyClamped) {
        // Leaders pushing into the same consumer's kink share it (it is one hyperplane in price
        // space), so each takes its share of the distance; different consumers' kinks are separate.
        const piece = pieceBounds(pm, st);
        const share = new Map<number, number>();
        const limitOf = (g: number): number => {
          if (clamp[g] === 0) return -1;
          if (target[g]! > p[g]! + piece.up[g]!) return 2 * piece.upBy[g]!;
          if (target[g]! < p[g]! - piece.down[g]!) return 2 * piece.downBy[g]! + 1;
          return -1;
        };
        for (let g = 0; g < pm.G; g++) {
          const key = limitOf(g);
          if (key >= 0) share.set(key, (share.get(key) ?? 0) + 1);
        }
        for (let g = 0; g < pm.G; g++) {
          const key = limitOf(g);
          if (key < 0) continue;
          const dir = key % 2 === 0 ? 1 : -1;
          const room = dir > 0 ? piece.up[g]! : piece.down[g]!;
          target[g] = room <= KINK ? acrossKink(pm, p, g, dir, room) : p[g]! + (dir * room) / share.get(key)!;
        }
      }
      residual = 0;
      for (let g = 0; g < pm.G; g++) residual = Math.max(residual, Math.abs(target[g]! - p[g]!));
      if (residual <= o.tolerance) {
        converged = true;
        break;
      }
      // Step size. Any leader reversing direction means oscillation: back to plain steps, halved
      // if that keeps happening without the residual shrinking. No leader reversing for five
      // iterations while the residual stays (within 5 %) the same means a steady drift (typically a
      // "ladder": buyers saturated, demand zero-sum between capacity-bound sellers, all prices
      // climbing together): the step doubles, up to 64× the best-response step, until the first
      // reversal.
      let reversed = false;
      for (let g = 0; g < pm.G; g++) {
        const dir = Math.sign(target[g]! - p[g]!);
        if (dir !== 0 && stepDir[g] !== 0 && dir !== stepDir[g]) reversed = true;
        stepDir[g] = dir;
      }
      if (reversed) {
        calm = 0;
        stalled = residual >= previous ? stalled + 1 : 0;
        alpha = alpha > 1 ? 1 : stalled >= 25 ? Math.max(alpha / 2, 1 / 64) : alpha;
        if (stalled >= 25) stalled = 0;
      } else if (residual >= 0.95 * previous) {
        if (++calm >= 5) {
          alpha = Math.min(alpha * 2, 64);
          calm = 0;
        }
      } else calm = 0;
      previous = residual;
      // Stagnation: no halving of the residual in 400 iterations ends the fast phase.
      if (it % 400 === 0) {
        if (it > 0 && residual > checkpoint / 2) break;
        checkpoint = residual;
      }
      for (let g = 0; g < pm.G; g++) p[g] = p[g]! + alpha * (target[g]! - p[g]!);
    }
    // Each exact sweep costs about 110 demand evaluations per leader: within a budget of 3e7
    // operations (evaluationCost), so a large round never spends more than a few sweeps here.
    const sweeps = Math.min(o.exactSweeps, Math.floor(3e7 / (110 * pm.G * evaluationCost(pm))));
    if (!converged && sweeps > 0) {
      const gs = gaussSeidel(pm, p, sweeps, o.tolerance);
      iterations += gs.sweeps;
      converged = gs.converged;
      residual = gs.residual;
    }
    if (o.globalGrid <= 0 || round >= o.maxGlobalRounds) break;
    const st = demandAt(pm, p);
    let bestGain = 0;
    let mover = -1;
    let moveTo = 0;
    for (let g = 0; g < pm.G; g++) {
      const now = currentProfit(pm, st, g);
      const best = gridBestResponse(pm, st, g, o.globalGrid);
      const gain = best.profit - now;
      if (gain > Math.max(1e-6, 1e-9 * Math.abs(now)) && gain > bestGain) {
        bestGain = gain;
        mover = g;
        moveTo = best.price;
      }
    }
    if (mover < 0) return { prices: p, iterations, converged, globalMoves, globallyStable: true, residual };
    p[mover] = moveTo;
    globalMoves++;
  }
  return { prices: p, iterations, converged, globalMoves, globallyStable: false, residual };
}
