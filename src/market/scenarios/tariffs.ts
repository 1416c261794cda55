/**
 * The tariff and behaviour data every built scenario uses (data/scenarios/tariffs.json, whose
 * provenance is data/scenarios/README.md): benchmark on-grid price, large-industry catalog tariff
 * by consumer size class, T&D tariff, government funds, and the followers' behavioural parameters
 * that public data do not give (stated, fixed in advance, and swept by the sensitivity analysis).
 */
import { MarketError } from '../marketError.ts';

/** A catalog tariff class: consumers up to `upToKVA` of apparent power (null: no upper limit). */
export interface CatalogClass {
  readonly upToKVA: number | null;
  readonly catalogMicroYuanPerKWh: bigint;
}

/** Tariffs and behavioural parameters for building scenarios. */
export interface TariffSet {
  readonly benchmarkMicroYuanPerKWh: bigint;
  /** Ordered by upToKVA, the last one open-ended. */
  readonly catalogClasses: readonly CatalogClass[];
  readonly transmissionMicroYuanPerKWh: bigint;
  /** Sum of the government funds and surcharges on direct purchases. */
  readonly fundsMicroYuanPerKWh: bigint;
  readonly reputationWeightMicroYuanPerKWh: bigint;
  readonly substitutionPpm: number;
  /** Power factor used to size consumers known only by active power (kVA = kW / pf). */
  readonly powerFactor: number;
}

/** Reads and checks tariffs.json. */
export function parseTariffs(value: unknown): TariffSet {
  const v = value as Record<string, unknown>;
  const int = (x: unknown, what: string): bigint => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 100_000_000) {
      throw new MarketError('MARKET_BAD_DATA', `tariffs.json: ${what} must be an integer µ¥/kWh`);
    }
    return BigInt(x);
  };
  if (typeof v !== 'object' || v === null)
    throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: not an object');
  const classes = v.catalogClasses;
  if (!Array.isArray(classes) || classes.length === 0) {
    throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: catalogClasses must be a non-empty list');
  }
  const catalogClasses = classes.map((c: Record<string, unknown>, i: number) => {
    const up = c.upToKVA;
    const last = i === classes.length - 1;
    if (last ? up !== null : typeof up !== 'number' || !(up > 0)) {
      throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: every class but the last needs upToKVA > 0');
    }
    return {
      upToKVA: up as number | null,
      catalogMicroYuanPerKWh: int(c.catalogMicroYuanPerKWh, `class ${i}`),
    };
  });
  const funds = v.funds;
  if (!Array.isArray(funds)) throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: funds must be a list');
  const fundsMicroYuanPerKWh = funds.reduce<bigint>(
    (s, f: Record<string, unknown>) => s + int(f.microYuanPerKWh, `fund ${String(f.name)}`),
    0n,
  );
  const b = v.behaviour as Record<string, unknown> | undefined;
  const sub = b?.substitutionPpm;
  const pf = b?.powerFactor;
  if (typeof sub !== 'number' || !Number.isInteger(sub) || sub < 0 || sub > 990_000) {
    throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: behaviour.substitutionPpm in [0, 990000]');
  }
  if (typeof pf !== 'number' || !(pf > 0 && pf <= 1)) {
    throw new MarketError('MARKET_BAD_DATA', 'tariffs.json: behaviour.powerFactor in (0, 1]');
  }
  return {
    benchmarkMicroYuanPerKWh: int(v.benchmarkMicroYuanPerKWh, 'benchmarkMicroYuanPerKWh'),
    catalogClasses,
    transmissionMicroYuanPerKWh: int(v.transmissionMicroYuanPerKWh, 'transmissionMicroYuanPerKWh'),
    fundsMicroYuanPerKWh,
    reputationWeightMicroYuanPerKWh: int(
      b?.reputationWeightMicroYuanPerKWh,
      'reputationWeightMicroYuanPerKWh',
    ),
    substitutionPpm: sub,
    powerFactor: pf,
  };
}

/** The catalog tariff for a consumer of the given apparent power. */
export function catalogFor(t: TariffSet, kva: number): bigint {
  for (const c of t.catalogClasses)
    if (c.upToKVA === null || kva <= c.upToKVA) return c.catalogMicroYuanPerKWh;
  return t.catalogClasses[t.catalogClasses.length - 1]!.catalogMicroYuanPerKWh;
}
