/**
 * Reading MATPOWER case data (MATPOWER's CASEFORMAT, version 2): the bus, gen and gencost matrices
 * of a `.m` case file, and the project's JSON transcription of case118. Only what a market scenario
 * needs is kept: loads (bus, Pd, Qd, area) and generators (bus, Pmax, status, cost c2, c1, c0 of a
 * polynomial cost row `2 startup shutdown 3 c2 c1 c0`, $/h with P in MW).
 */
import { MarketError } from '../marketError.ts';

/** A bus load, MW and MVAr. */
export interface MatpowerLoad {
  readonly bus: number;
  readonly pdMW: number;
  readonly qdMVAr: number;
  readonly area: number;
}

/** A generator with its quadratic cost row. */
export interface MatpowerGenerator {
  readonly bus: number;
  readonly pmaxMW: number;
  readonly c2: number;
  readonly c1: number;
  readonly c0: number;
}

/** The parts of a case a market scenario uses. */
export interface MatpowerCase {
  readonly loads: readonly MatpowerLoad[];
  readonly generators: readonly MatpowerGenerator[];
}

/** Parses a MATPOWER `.m` case (in-service generators, buses with positive load). */
export function parseMatpowerM(text: string): MatpowerCase {
  const bus = matrix(text, 'bus');
  const gen = matrix(text, 'gen');
  const cost = matrix(text, 'gencost');
  if (gen.length !== cost.length) {
    throw new MarketError('MARKET_BAD_DATA', 'gen and gencost have different row counts', {
      gen: gen.length,
      gencost: cost.length,
    });
  }
  const loads = bus
    .filter((r) => (r[2] ?? 0) > 0)
    .map((r) => ({ bus: need(r, 0), pdMW: need(r, 2), qdMVAr: need(r, 3), area: need(r, 6) }));
  const generators: MatpowerGenerator[] = [];
  gen.forEach((r, i) => {
    const c = cost[i]!;
    if (need(c, 0) !== 2 || need(c, 3) !== 3) {
      throw new MarketError('MARKET_BAD_DATA', 'only quadratic polynomial cost rows are supported', {
        row: i,
      });
    }
    if (need(r, 7) <= 0) return; // out of service
    generators.push({ bus: need(r, 0), pmaxMW: need(r, 8), c2: need(c, 4), c1: need(c, 5), c0: need(c, 6) });
  });
  return { loads, generators };
}

/** Parses the JSON transcription of case118 (data/matpower/case118.json). */
export function parseCase118Json(value: unknown): MatpowerCase {
  const v = value as { generators?: unknown; loadsMW?: unknown };
  if (!Array.isArray(v?.generators) || typeof v.loadsMW !== 'object' || v.loadsMW === null) {
    throw new MarketError('MARKET_BAD_DATA', 'case118.json needs "generators" and "loadsMW"');
  }
  const generators = v.generators.map((g: Record<string, unknown>, i: number) => {
    const n = (k: string): number => {
      const x = g[k];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new MarketError('MARKET_BAD_DATA', `case118 generator ${i}: bad ${k}`);
      }
      return x;
    };
    return { bus: n('bus'), pmaxMW: n('pmaxMW'), c2: n('c2'), c1: n('c1'), c0: n('c0') };
  });
  const loads = Object.entries(v.loadsMW as Record<string, unknown>)
    .map(([bus, mw]) => {
      if (typeof mw !== 'number' || !Number.isFinite(mw) || !/^\d+$/.test(bus)) {
        throw new MarketError('MARKET_BAD_DATA', `case118 load at bus ${bus}: bad value`);
      }
      return { bus: Number(bus), pdMW: mw, qdMVAr: 0, area: 1 };
    })
    .filter((l) => l.pdMW > 0)
    .sort((a, b) => a.bus - b.bus);
  return { loads, generators };
}

function matrix(text: string, name: string): number[][] {
  const m = new RegExp(`mpc\\.${name}\\s*=\\s*\\[([^\\]]*)\\]`).exec(text);
  if (m === null) throw new MarketError('MARKET_BAD_DATA', `no mpc.${name} matrix in the case file`);
  return m[1]!
    .split(/;|\n/)
    .map((row) => row.replace(/%.*$/, '').trim())
    .filter((row) => row.length > 0)
    .map((row) =>
      row.split(/[\s,]+/).map((x) => {
        const n = Number(x);
        if (!Number.isFinite(n)) throw new MarketError('MARKET_BAD_DATA', `bad number "${x}" in mpc.${name}`);
        return n;
      }),
    );
}

function need(row: readonly number[], i: number): number {
  const x = row[i];
  if (x === undefined) throw new MarketError('MARKET_BAD_DATA', `matrix row too short (column ${i + 1})`);
  return x;
}
