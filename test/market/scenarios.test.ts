import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DATA_DIR, loadMarketData } from '../../src/cli/commands/marketData.ts';
import { frozenScenarios } from '../../src/cli/commands/marketScenarios.ts';
import { isDppError } from '../../src/errors.ts';
import { reservationMicroYuanPerKWh, validateScenario } from '../../src/market/scenario.ts';
import { scenarioFromJson, scenarioToJson } from '../../src/market/scenarioJson.ts';
import { costScale } from '../../src/market/scenarios/calibration.ts';
import { case30Scenario } from '../../src/market/scenarios/case30.ts';
import { parseMatpowerM } from '../../src/market/scenarios/matpower.ts';
import { randomScenario, randomShape } from '../../src/market/scenarios/randomScenario.ts';
import { parseTariffs } from '../../src/market/scenarios/tariffs.ts';

const data = loadMarketData();

describe('scenarios from public data', () => {
  it('reads the project’s own copy of MATPOWER case30 (not ../shared)', () => {
    assert.ok(DATA_DIR.endsWith('/data') && !DATA_DIR.includes('shared'));
    const c = data.case30;
    assert.equal(c.generators.length, 6);
    assert.equal(c.loads.length, 20);
    assert.deepEqual(c.generators[0], { bus: 1, pmaxMW: 80, c2: 0.02, c1: 2, c0: 0 });
    assert.deepEqual([...new Set(c.loads.map((l) => l.area))].sort(), [1, 2, 3]);
    assert.ok(Math.abs(c.loads.reduce((s, l) => s + l.pdMW, 0) - 189.2) < 1e-9);
    assert.equal(data.case118.generators.length, 54);
    assert.equal(data.case118.loads.length, 99);
  });

  it('scales costs by one factor: capacity-weighted mean marginal cost at full output = 0.3739 yuan/kWh', () => {
    for (const c of [data.case30, data.case118]) {
      const { scenario } = case30Scenario(c, data.tariffs); // the builder is the same for both cases
      let cap = 0;
      let weighted = 0;
      for (const g of scenario.generators) {
        const mwh = Number(g.capacityWh) / 1e6;
        // C'(full) in µ¥/kWh = b + 2·a·q_MWh/1000
        weighted +=
          mwh *
          (Number(g.costLinearMicroYuanPerKWh) + (2 * Number(g.costQuadraticMicroYuanPerMWh2) * mwh) / 1000);
        cap += mwh;
      }
      assert.ok(Math.abs(weighted / cap - 373_900) < 1, `${weighted / cap}`);
      assert.ok(costScale(c.generators, 373_900n) > 0);
    }
  });

  it('case30: six generators, twenty consumers in three aggregator groups, tariffs from tariffs.json', () => {
    const { scenario, excluded } = case30Scenario(data.case30, data.tariffs);
    assert.deepEqual(excluded, []);
    assert.equal(scenario.generators.length, 6);
    assert.equal(scenario.consumers.length, 20);
    assert.deepEqual([...new Set(scenario.consumers.map((c) => c.group))].sort(), ['A1', 'A2', 'A3']);
    for (const c of scenario.consumers) {
      assert.ok([610_000n, 670_000n].includes(c.catalogMicroYuanPerKWh));
      assert.equal(c.transmissionMicroYuanPerKWh, 142_800n);
      assert.equal(c.fundsMicroYuanPerKWh, 26_000n);
      // φ = R − w
      assert.equal(c.diversificationMicroYuanPerKWh, reservationMicroYuanPerKWh(c) - 373_900n);
    }
    // buses 3, 20 and 29 are below 3 000 kVA: the smaller class
    const small = scenario.consumers.filter((c) => c.catalogMicroYuanPerKWh === 670_000n).map((c) => c.id);
    assert.deepEqual(small.sort(), ['c.bus003', 'c.bus020', 'c.bus029']);
  });

  it('the frozen data/scenarios/*.json still equal what the builders produce (run `dpp scenarios --write` after a change)', () => {
    for (const f of frozenScenarios()) {
      assert.deepEqual(JSON.parse(readFileSync(f.file, 'utf8')), JSON.parse(f.json), f.file);
    }
  });

  it('scenario JSON round-trips and refuses malformed input with a typed error', () => {
    const { scenario } = case30Scenario(data.case30, data.tariffs);
    assert.deepEqual(
      scenarioFromJson(JSON.parse(JSON.stringify(scenarioToJson(scenario)))),
      validateScenario(scenario),
    );
    const json = scenarioToJson(scenario) as { generators: { capacityWh: unknown }[] };
    for (const bad of ['12.5', '-1', 'x', 12, null]) {
      const copy = structuredClone(json);
      copy.generators[0]!.capacityWh = bad;
      assert.throws(
        () => scenarioFromJson(copy),
        (e) => isDppError(e) && e.code.startsWith('MARKET_'),
      );
    }
    assert.throws(
      () => scenarioFromJson({ name: 'x' }),
      (e) => isDppError(e, 'MARKET_BAD_DATA'),
    );
  });

  it('random scenarios are fully determined by their seed', () => {
    const pool = { generators: data.case30.generators, loadsMW: data.case118.loads.map((l) => l.pdMW) };
    const a = randomScenario('seed-1', randomShape('seed-1'), pool, data.tariffs);
    const b = randomScenario('seed-1', randomShape('seed-1'), pool, data.tariffs);
    const c = randomScenario('seed-2', randomShape('seed-2'), pool, data.tariffs);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.scenario.generators, c.scenario.generators);
  });

  it('refuses bad data files with typed errors', () => {
    assert.throws(
      () => parseMatpowerM('mpc.bus = [1 2 3];'),
      (e) => isDppError(e, 'MARKET_BAD_DATA'),
    );
    const tariffs = JSON.parse(readFileSync(resolve(DATA_DIR, 'scenarios/tariffs.json'), 'utf8'));
    assert.doesNotThrow(() => parseTariffs(tariffs));
    for (const mutate of [
      (t: Record<string, unknown>) => {
        t.benchmarkMicroYuanPerKWh = 0.37;
      },
      (t: Record<string, unknown>) => {
        t.catalogClasses = [];
      },
      (t: Record<string, unknown>) => {
        (t.behaviour as Record<string, unknown>).substitutionPpm = 1_000_000;
      },
    ]) {
      const t = structuredClone(tariffs);
      mutate(t);
      assert.throws(
        () => parseTariffs(t),
        (e) => isDppError(e, 'MARKET_BAD_DATA'),
      );
    }
  });
});
