/**
 * What the experiment compares between trading modes, from settled outcomes: consumers' average
 * purchase cost per kWh (money actually paid ÷ energy consumed; risk preferences are not money),
 * overall and per aggregator group; generators' directly sold energy and profit; and the cost
 * reduction of one mode against another, (base − ours)/base in percent.
 */
import type { ModeOutcome } from './types.ts';

/** Consumers' average purchase cost, µ¥/kWh, optionally of one aggregator group. */
export function averageCost(outcome: ModeOutcome, group?: string): number {
  let cost = 0n;
  let energy = 0n;
  for (const c of outcome.consumers) {
    if (group !== undefined && c.group !== group) continue;
    cost += c.costMicroYuan;
    energy += c.demandWh;
  }
  return energy === 0n ? Number.NaN : (Number(cost) * 1000) / Number(energy);
}

/** The aggregator groups of an outcome, sorted. */
export function groupsOf(outcome: ModeOutcome): string[] {
  return [...new Set(outcome.consumers.map((c) => c.group))].sort();
}

/** Energy consumers bought directly from generators, MWh. */
export function directVolumeMWh(outcome: ModeOutcome): number {
  return Number(outcome.generators.reduce((s, g) => s + g.directWh, 0n)) / 1e6;
}

/** Energy generators sold in total (directly and to the grid), MWh. */
export function soldVolumeMWh(outcome: ModeOutcome): number {
  return Number(outcome.generators.reduce((s, g) => s + g.directWh + g.gridWh, 0n)) / 1e6;
}

/** Generators' total profit, yuan. */
export function generatorProfitYuan(outcome: ModeOutcome): number {
  return Number(outcome.generators.reduce((s, g) => s + g.profitMicroYuan, 0n)) / 1e6;
}

/** Percent by which `ours` is cheaper than `base` (negative: dearer). */
export function reductionPct(ours: number, base: number): number {
  return ((base - ours) / base) * 100;
}

/** Mean and sample standard deviation (sd 0 for fewer than two values). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  if (xs.length === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length < 2) return { mean, sd: 0 };
  const v = xs.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (xs.length - 1);
  return { mean, sd: Math.sqrt(v) };
}
