/**
 * Sensitivity of the cost reduction (issue 3): how the Stackelberg mode's reduction against each
 * baseline moves with the bilateral baseline's pricing rule, the catalog tariff, the T&D tariff,
 * the generators' outside option, the reputation weight θ and the substitution σ between
 * generators. One factor moves at a time from the scenario's own values; consumers' preferences
 * (φ) stay as built. Every variant is solved, certified and compared afresh, and the number of
 * certified variants is reported with each point.
 */
import { bilateralMode } from '../market/baselines/bilateral.ts';
import { catalogMode } from '../market/baselines/catalog.ts';
import { centralisedMode } from '../market/baselines/centralised.ts';
import { averageCost, reductionPct } from '../market/modeComparison.ts';
import { solveCertified } from '../market/solveCertified.ts';
import type { Scenario } from '../market/types.ts';

/** Mean reductions (percent) at one value of a factor. */
export interface SensitivityPoint {
  readonly value: number;
  readonly label: string;
  /** The scenarios' own value. */
  readonly base: boolean;
  readonly reductionPct: {
    readonly catalog: number;
    readonly bilateral: number;
    readonly centralised: number;
  };
  readonly certified: number;
  readonly total: number;
}

/** One swept factor. */
export interface SensitivityFactor {
  readonly key: string;
  readonly title: string;
  readonly points: readonly SensitivityPoint[];
}

/** The analysis (report/cost.json → sensitivity). */
export interface SensitivityReport {
  readonly scenarios: readonly string[];
  readonly factors: readonly SensitivityFactor[];
}

type Variant = (s: Scenario) => Scenario;

/** Solves per scenario the analysis performs with `points` per sweep (for progress totals). */
export function sensitivityWork(points: number): number {
  const n = points % 2 === 1 ? points : points + 1;
  return 1 + 4 * n + 4; // base, four linear sweeps, four outside-option levels
}

/** Runs every sweep on the given scenarios. */
export function runSensitivity(
  scenarios: readonly Scenario[],
  options: { readonly points: number; readonly epsilonMicroYuanPerKWh: number },
  progress: (done: number, label: string) => void,
): SensitivityReport {
  const n = options.points % 2 === 1 ? options.points : options.points + 1;
  let done = 0;
  const evaluate = (variant: Variant, label: string) => {
    const red = { catalog: 0, bilateral: 0, centralised: 0, bilateralSame: 0 };
    let certified = 0;
    for (const base of scenarios) {
      const s = variant(base);
      const solved = solveCertified(s, {
        epsilonMicroYuanPerKWh: options.epsilonMicroYuanPerKWh,
        maxRepairs: 3,
      });
      if (solved.certificate.certified) certified++;
      const ours = averageCost(solved.result.outcome);
      red.catalog += reductionPct(ours, averageCost(catalogMode(s)));
      red.bilateral += reductionPct(ours, averageCost(bilateralMode(s, 'nash')));
      red.bilateralSame += reductionPct(ours, averageCost(bilateralMode(s, 'same-preferences')));
      red.centralised += reductionPct(ours, averageCost(centralisedMode(s).outcome));
      progress(++done, `sensitivity: ${label} · ${s.name}`);
    }
    const k = scenarios.length;
    return {
      catalog: red.catalog / k,
      bilateral: red.bilateral / k,
      bilateralSame: red.bilateralSame / k,
      centralised: red.centralised / k,
      certified,
    };
  };
  const sweep = (
    key: string,
    title: string,
    values: readonly number[],
    baseValue: number,
    make: (v: number) => Variant,
    label: (v: number) => string,
  ): SensitivityFactor => ({
    key,
    title,
    points: values.map((v) => {
      const r = evaluate(make(v), `${key}=${label(v)}`);
      return {
        value: v,
        label: label(v),
        base: v === baseValue,
        reductionPct: { catalog: r.catalog, bilateral: r.bilateral, centralised: r.centralised },
        certified: r.certified,
        total: scenarios.length,
      };
    }),
  });
  const factors: SensitivityFactor[] = [];
  // The bilateral pricing rule: the base solve, compared with both bilateral valuations.
  const base = evaluate((s) => s, 'base');
  const rulePoint = (value: number, label: string, bilateral: number): SensitivityPoint => ({
    value,
    label,
    base: value === 0,
    reductionPct: { catalog: base.catalog, bilateral, centralised: base.centralised },
    certified: base.certified,
    total: scenarios.length,
  });
  factors.push({
    key: 'bilateralPricing',
    title: 'bilateral pricing rule',
    points: [rulePoint(0, 'Nash, R', base.bilateral), rulePoint(1, 'same prefs', base.bilateralSame)],
  });
  factors.push(
    sweep(
      'catalog',
      'catalog tariff (× own)',
      linspace(0.9, 1.1, n),
      1,
      (f) => scaleConsumers(f, 'catalog'),
      fmt,
    ),
  );
  factors.push(
    sweep(
      'transmission',
      'T&D tariff (× own)',
      linspace(0.5, 1.5, n),
      1,
      (f) => scaleConsumers(f, 'transmission'),
      fmt,
    ),
  );
  factors.push(
    sweep(
      'outsideOption',
      'outside option (benchmark × , 0 = off)',
      [0, 0.9, 1, 1.1],
      1,
      (f) => (s) =>
        f === 0
          ? { ...s, parameters: { ...s.parameters, outsideOption: false } }
          : {
              ...s,
              parameters: {
                ...s.parameters,
                benchmarkMicroYuanPerKWh: scale(s.parameters.benchmarkMicroYuanPerKWh, f),
              },
            },
      (f) => (f === 0 ? 'off' : fmt(f)),
    ),
  );
  factors.push(
    sweep(
      'reputationWeight',
      'reputation weight θ (× own)',
      linspace(0, 2, n),
      1,
      (f) => (s) => ({
        ...s,
        parameters: {
          ...s.parameters,
          reputationWeightMicroYuanPerKWh: scale(s.parameters.reputationWeightMicroYuanPerKWh, f),
        },
      }),
      fmt,
    ),
  );
  factors.push(
    sweep(
      'substitution',
      'substitution σ',
      linspace(0.1, 0.9, n),
      0.5,
      (sigma) => (s) => ({ ...s, parameters: { ...s.parameters, substitutionPpm: Math.round(sigma * 1e6) } }),
      fmt,
    ),
  );
  return { scenarios: scenarios.map((s) => s.name), factors };
}

function scaleConsumers(f: number, which: 'catalog' | 'transmission'): Variant {
  return (s) => ({
    ...s,
    consumers: s.consumers.map((c) =>
      which === 'catalog'
        ? { ...c, catalogMicroYuanPerKWh: scale(c.catalogMicroYuanPerKWh, f) }
        : { ...c, transmissionMicroYuanPerKWh: scale(c.transmissionMicroYuanPerKWh, f) },
    ),
  });
}

function scale(v: bigint, f: number): bigint {
  return BigInt(Math.round(Number(v) * f));
}

/** n evenly spaced values from a to b, rounded to 1e-9 so the middle one is exact. */
function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((a + ((b - a) * i) / (n - 1)) * 1e9) / 1e9);
}

function fmt(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
