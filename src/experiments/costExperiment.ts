/**
 * The cost experiment (issue 3, ../shared/DESIGN.md claim 2): the reputation-aware Stackelberg mode
 * against the three baseline modes on the same scenarios — case30, case118 and seeded random ones —
 * reporting consumers' average purchase cost per kWh (overall and per aggregator group), the cost
 * reduction against each baseline (mean ± sd over scenarios), generators' sold volume and profit,
 * and each round's certification bound. Pure: scenarios in, a JSON-ready report out.
 */
import { bilateralMode } from '../market/baselines/bilateral.ts';
import { catalogMode } from '../market/baselines/catalog.ts';
import { centralisedMode } from '../market/baselines/centralised.ts';
import {
  averageCost,
  directVolumeMWh,
  generatorProfitYuan,
  groupsOf,
  meanSd,
  reductionPct,
  soldVolumeMWh,
} from '../market/modeComparison.ts';
import { solveCertified } from '../market/solveCertified.ts';
import type { ModeOutcome, Scenario } from '../market/types.ts';
import { runSensitivity, type SensitivityReport, sensitivityWork } from './sensitivity.ts';

/** The reduction reported by the source work against its existing trading mode, percent. */
export const SOURCE_REDUCTION_PCT = 15.35;

/** A number per trading mode. */
export interface ModeNumbers {
  readonly stackelberg: number;
  readonly catalog: number;
  readonly bilateral: number;
  readonly centralised: number;
}

/** Reduction of the Stackelberg mode against each baseline, percent. */
export interface Reductions {
  readonly catalog: number;
  readonly bilateral: number;
  readonly centralised: number;
}

/** Which kind of scenario. */
export type ScenarioKind = 'case30' | 'case118' | 'random';

/** One scenario's results. */
export interface ScenarioReport {
  readonly name: string;
  readonly kind: ScenarioKind;
  readonly generators: number;
  readonly consumers: number;
  readonly excluded: readonly string[];
  readonly demandMWh: number;
  readonly averageCostMicroYuanPerKWh: ModeNumbers;
  readonly byGroup: Readonly<Record<string, ModeNumbers>>;
  readonly reductionPct: Reductions;
  /** The bilateral baseline priced with the Stackelberg mode's preferences instead. */
  readonly bilateralSamePreferences: {
    readonly averageCostMicroYuanPerKWh: number;
    readonly reductionPct: number;
  };
  readonly directVolumeMWh: ModeNumbers;
  readonly soldVolumeMWh: ModeNumbers;
  readonly generatorProfitYuan: ModeNumbers;
  /** Direct prices of the Stackelberg mode, µ¥/kWh: range and volume-weighted mean. */
  readonly prices: { readonly min: number; readonly max: number; readonly mean: number };
  readonly centralisedPriceMicroYuanPerKWh: number | null;
  readonly certificate: {
    readonly certified: boolean;
    readonly maxLeaderGapMicroYuanPerKWh: number;
    readonly maxFollowerGapMicroYuanPerKWh: number;
    readonly maxLeaderBoundMicroYuan: number;
    readonly maxFollowerBoundMicroYuan: number;
    /** Participants whose bound exceeds ε. */
    readonly uncertified: readonly string[];
    readonly repairs: number;
  };
  readonly solver: { readonly iterations: number; readonly converged: boolean };
}

/** Summary statistics of one reduction over scenarios. */
export interface ReductionStats {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly case30: number | null;
  readonly case118: number | null;
  readonly randomMean: number;
  readonly randomSd: number;
}

/** The experiment's report (report/cost.json). */
export interface CostReport {
  readonly experiment: 'cost';
  readonly sourceReductionPct: number;
  readonly scenarioCount: number;
  /** Mean reduction over all scenarios, percent. */
  readonly reductionPct: Reductions;
  /** Sample standard deviation over all scenarios, percentage points. */
  readonly reductionSdPct: Reductions;
  readonly reduction: {
    readonly catalog: ReductionStats;
    readonly bilateral: ReductionStats;
    readonly centralised: ReductionStats;
  };
  /** Reduction against the bilateral mode priced with the same preferences: mean, sd. */
  readonly reductionBilateralSamePreferences: { readonly mean: number; readonly sd: number };
  /** Mean over scenarios of each mode's average cost, µ¥/kWh. */
  readonly averageCostMicroYuanPerKWh: ModeNumbers;
  /** Totals over scenarios. */
  readonly generators: {
    readonly directVolumeMWh: ModeNumbers;
    readonly soldVolumeMWh: ModeNumbers;
    readonly profitYuan: ModeNumbers;
  };
  readonly certifiedGap: {
    readonly epsilonMicroYuanPerKWh: number;
    readonly certified: number;
    readonly total: number;
    readonly maxLeaderGapMicroYuanPerKWh: number;
    readonly maxFollowerGapMicroYuanPerKWh: number;
    readonly maxBoundMicroYuan: number;
    readonly uncertified: readonly { readonly name: string; readonly participants: readonly string[] }[];
  };
  readonly scenarios: readonly ScenarioReport[];
  readonly sensitivity?: SensitivityReport;
}

/** A scenario to run, with what its builder excluded. */
export interface ExperimentScenario {
  readonly kind: ScenarioKind;
  readonly scenario: Scenario;
  readonly excluded: readonly string[];
}

/** Options of the run. */
export interface CostExperimentOptions {
  readonly epsilonMicroYuanPerKWh?: number;
  /** Run the sensitivity analysis on `sensitivityInputs` (default: the first 22 scenarios). */
  readonly sensitivity?: boolean;
  readonly sensitivityInputs?: readonly ExperimentScenario[];
  /** Points per swept factor (≥ 3; the base value is always one of them). */
  readonly sensitivityPoints?: number;
  /** Called after each unit of work, for progress display. */
  readonly progress?: (done: number, total: number, label: string) => void;
}

/** Runs every mode on one scenario and certifies the Stackelberg result. */
export function evaluateScenario(input: ExperimentScenario, epsilonMicroYuanPerKWh: number): ScenarioReport {
  const { scenario } = input;
  const solved = solveCertified(scenario, { epsilonMicroYuanPerKWh });
  const ours = solved.result.outcome;
  const catalog = catalogMode(scenario);
  const bilateral = bilateralMode(scenario, 'nash');
  const same = bilateralMode(scenario, 'same-preferences');
  const central = centralisedMode(scenario);
  const modes = { stackelberg: ours, catalog, bilateral, centralised: central.outcome };
  const per = (f: (o: ModeOutcome) => number): ModeNumbers => ({
    stackelberg: f(modes.stackelberg),
    catalog: f(modes.catalog),
    bilateral: f(modes.bilateral),
    centralised: f(modes.centralised),
  });
  const cost = per((o) => averageCost(o));
  const byGroup: Record<string, ModeNumbers> = {};
  for (const g of groupsOf(ours)) byGroup[g] = per((o) => averageCost(o, g));
  const cert = solved.certificate;
  let volume = 0n;
  let revenue = 0n;
  for (const k of solved.result.contracts) {
    volume += k.energyWh;
    revenue += k.energyWh * k.priceMicroYuanPerKWh;
  }
  const priceValues = solved.result.prices.map((p) => Number(p.priceMicroYuanPerKWh));
  return {
    name: scenario.name,
    kind: input.kind,
    generators: scenario.generators.length,
    consumers: scenario.consumers.length,
    excluded: input.excluded,
    demandMWh: Number(scenario.consumers.reduce((s, c) => s + c.demandWh, 0n)) / 1e6,
    averageCostMicroYuanPerKWh: cost,
    byGroup,
    reductionPct: reductionsOf(cost),
    bilateralSamePreferences: {
      averageCostMicroYuanPerKWh: averageCost(same),
      reductionPct: reductionPct(cost.stackelberg, averageCost(same)),
    },
    directVolumeMWh: per(directVolumeMWh),
    soldVolumeMWh: per(soldVolumeMWh),
    generatorProfitYuan: per(generatorProfitYuan),
    prices: {
      min: Math.min(...priceValues),
      max: Math.max(...priceValues),
      mean: volume === 0n ? Number.NaN : Number(revenue) / Number(volume),
    },
    centralisedPriceMicroYuanPerKWh:
      central.priceMicroYuanPerKWh === null ? null : Number(central.priceMicroYuanPerKWh),
    certificate: {
      certified: cert.certified,
      maxLeaderGapMicroYuanPerKWh: cert.maxLeaderGap,
      maxFollowerGapMicroYuanPerKWh: cert.maxFollowerGap,
      maxLeaderBoundMicroYuan: cert.maxLeaderBoundMicroYuan,
      maxFollowerBoundMicroYuan: cert.maxFollowerBoundMicroYuan,
      uncertified: [...cert.leaders, ...cert.followers].filter((b) => !b.certified).map((b) => b.id),
      repairs: solved.repairs,
    },
    solver: { iterations: solved.result.solver.iterations, converged: solved.result.solver.converged },
  };
}

/** Runs the whole experiment. */
export function runCostExperiment(
  inputs: readonly ExperimentScenario[],
  options: CostExperimentOptions = {},
): CostReport {
  const eps = options.epsilonMicroYuanPerKWh ?? 100;
  const scenarios: ScenarioReport[] = [];
  const sensitivityScenarios = options.sensitivity ? (options.sensitivityInputs ?? inputs.slice(0, 22)) : [];
  const points = Math.max(3, options.sensitivityPoints ?? 5);
  const extra = options.sensitivity ? sensitivityScenarios.length * sensitivityWork(points) : 0;
  const total = inputs.length + extra;
  inputs.forEach((input, i) => {
    scenarios.push(evaluateScenario(input, eps));
    options.progress?.(i + 1, total, input.scenario.name);
  });
  const report = summarise(scenarios, eps);
  if (!options.sensitivity) return report;
  const sensitivity = runSensitivity(
    sensitivityScenarios.map((s) => s.scenario),
    { points, epsilonMicroYuanPerKWh: eps },
    (done, label) => options.progress?.(inputs.length + done, total, label),
  );
  return { ...report, sensitivity };
}

/** Reductions against each baseline from average costs. */
export function reductionsOf(cost: ModeNumbers): Reductions {
  return {
    catalog: reductionPct(cost.stackelberg, cost.catalog),
    bilateral: reductionPct(cost.stackelberg, cost.bilateral),
    centralised: reductionPct(cost.stackelberg, cost.centralised),
  };
}

function summarise(scenarios: readonly ScenarioReport[], eps: number): CostReport {
  const stats = (k: keyof Reductions): ReductionStats => {
    const all = scenarios.map((s) => s.reductionPct[k]);
    const random = scenarios.filter((s) => s.kind === 'random').map((s) => s.reductionPct[k]);
    const one = (kind: ScenarioKind): number | null =>
      scenarios.find((s) => s.kind === kind)?.reductionPct[k] ?? null;
    const a = meanSd(all);
    const r = meanSd(random);
    return {
      mean: a.mean,
      sd: a.sd,
      min: Math.min(...all),
      max: Math.max(...all),
      case30: one('case30'),
      case118: one('case118'),
      randomMean: r.mean,
      randomSd: r.sd,
    };
  };
  const reduction = {
    catalog: stats('catalog'),
    bilateral: stats('bilateral'),
    centralised: stats('centralised'),
  };
  const meanOf = (f: (s: ScenarioReport) => ModeNumbers): ModeNumbers => {
    const n = scenarios.length;
    const sum = (k: keyof ModeNumbers): number => scenarios.reduce((s, x) => s + f(x)[k], 0);
    return {
      stackelberg: sum('stackelberg') / n,
      catalog: sum('catalog') / n,
      bilateral: sum('bilateral') / n,
      centralised: sum('centralised') / n,
    };
  };
  const totalOf = (f: (s: ScenarioReport) => ModeNumbers): ModeNumbers => {
    const m = meanOf(f);
    const n = scenarios.length;
    return {
      stackelberg: m.stackelberg * n,
      catalog: m.catalog * n,
      bilateral: m.bilateral * n,
      centralised: m.centralised * n,
    };
  };
  const certified = scenarios.filter((s) => s.certificate.certified).length;
  const same = meanSd(scenarios.map((s) => s.bilateralSamePreferences.reductionPct));
  return {
    experiment: 'cost',
    sourceReductionPct: SOURCE_REDUCTION_PCT,
    scenarioCount: scenarios.length,
    reductionPct: {
      catalog: reduction.catalog.mean,
      bilateral: reduction.bilateral.mean,
      centralised: reduction.centralised.mean,
    },
    reductionSdPct: {
      catalog: reduction.catalog.sd,
      bilateral: reduction.bilateral.sd,
      centralised: reduction.centralised.sd,
    },
    reduction,
    reductionBilateralSamePreferences: same,
    averageCostMicroYuanPerKWh: meanOf((s) => s.averageCostMicroYuanPerKWh),
    generators: {
      directVolumeMWh: totalOf((s) => s.directVolumeMWh),
      soldVolumeMWh: totalOf((s) => s.soldVolumeMWh),
      profitYuan: totalOf((s) => s.generatorProfitYuan),
    },
    certifiedGap: {
      epsilonMicroYuanPerKWh: eps,
      certified,
      total: scenarios.length,
      maxLeaderGapMicroYuanPerKWh: Math.max(
        ...scenarios.map((s) => s.certificate.maxLeaderGapMicroYuanPerKWh),
      ),
      maxFollowerGapMicroYuanPerKWh: Math.max(
        ...scenarios.map((s) => s.certificate.maxFollowerGapMicroYuanPerKWh),
      ),
      maxBoundMicroYuan: Math.max(
        ...scenarios.map((s) =>
          Math.max(s.certificate.maxLeaderBoundMicroYuan, s.certificate.maxFollowerBoundMicroYuan),
        ),
      ),
      uncertified: scenarios
        .filter((s) => !s.certificate.certified)
        .map((s) => ({ name: s.name, participants: s.certificate.uncertified })),
    },
    scenarios,
  };
}
