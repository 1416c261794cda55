import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CostReport } from '../../src/experiments/costExperiment.ts';
import { runDpp } from '../dppProcess.ts';

const out = mkdtempSync(join(tmpdir(), 'dpp-cost-'));
after(() => rmSync(out, { recursive: true, force: true }));

describe('`dpp experiment cost --quick` (a real process)', () => {
  const r = runDpp([
    'experiment',
    'cost',
    '--quick',
    '--sensitivity',
    '--random',
    '3',
    '--json',
    '--out',
    out,
  ]);

  it('exits 0, reports progress on stderr and the JSON on stdout, identical to report/cost.json', () => {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[100%\]/);
    assert.equal(readFileSync(join(out, 'cost.json'), 'utf8'), r.stdout);
  });

  it('the JSON is internally consistent', () => {
    const rep = JSON.parse(r.stdout) as CostReport;
    assert.equal(rep.scenarioCount, 5); // case30, case118, 3 random
    assert.equal(rep.scenarios.length, 5);
    assert.deepEqual(
      rep.scenarios.map((s) => s.kind),
      ['case30', 'case118', 'random', 'random', 'random'],
    );
    const close = (a: number, b: number, what: string): void =>
      assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
    for (const k of ['catalog', 'bilateral', 'centralised'] as const) {
      const per = rep.scenarios.map((s) => s.reductionPct[k]);
      close(rep.reductionPct[k], per.reduce((a, b) => a + b, 0) / per.length, `mean ${k}`);
      close(rep.reduction[k].case30!, rep.scenarios[0]!.reductionPct[k], `case30 ${k}`);
      for (const s of rep.scenarios) {
        const c = s.averageCostMicroYuanPerKWh;
        close(s.reductionPct[k], ((c[k] - c.stackelberg) / c[k]) * 100, `${s.name} ${k}`);
        // Direct energy is only bought below the catalog tariff, in every mode.
        assert.ok(c.stackelberg <= c.catalog && c.bilateral <= c.catalog && c.centralised <= c.catalog);
      }
    }
    // Groups: case30's three aggregators; demand-weighted group costs average to the whole.
    const c30 = rep.scenarios[0]!;
    assert.deepEqual(Object.keys(c30.byGroup).sort(), ['A1', 'A2', 'A3']);
    // Certification counts agree with the scenarios.
    const certified = rep.scenarios.filter((s) => s.certificate.certified).length;
    assert.equal(rep.certifiedGap.certified, certified);
    assert.equal(rep.certifiedGap.total, 5);
    assert.equal(rep.certifiedGap.uncertified.length, 5 - certified);
    for (const s of rep.scenarios) {
      const gap = Math.max(
        s.certificate.maxLeaderGapMicroYuanPerKWh,
        s.certificate.maxFollowerGapMicroYuanPerKWh,
      );
      assert.equal(s.certificate.certified, gap <= rep.certifiedGap.epsilonMicroYuanPerKWh, s.name);
      assert.ok(
        gap <=
          Math.max(
            rep.certifiedGap.maxLeaderGapMicroYuanPerKWh,
            rep.certifiedGap.maxFollowerGapMicroYuanPerKWh,
          ),
      );
    }
    // The two public cases certify.
    assert.equal(rep.scenarios[0]!.certificate.certified, true);
    assert.equal(rep.scenarios[1]!.certificate.certified, true);
    assert.equal(rep.sourceReductionPct, 15.35);
    // Sensitivity: each factor's base point equals the base case of the same scenarios.
    const sens = rep.sensitivity!;
    assert.deepEqual(sens.scenarios, ['case30', 'random-000']);
    const base = sens.factors[0]!.points[0]!;
    for (const f of sens.factors.slice(1)) {
      const b = f.points.find((p) => p.base)!;
      for (const k of ['catalog', 'bilateral', 'centralised'] as const)
        close(b.reductionPct[k], base.reductionPct[k], `${f.key} base ${k}`);
    }
  });

  it('writes the charts', () => {
    for (const f of ['cost.svg', 'cost-sensitivity.svg']) {
      const svg = readFileSync(join(out, f), 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\n$/);
      assert.match(svg, /15\.35 %/);
    }
  });

  it('refuses a bad --random with a one-line error and a hint', () => {
    const bad = runDpp(['experiment', 'cost', '--random', 'lots']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--random must be a whole number/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
