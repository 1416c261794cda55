/**
 * `dpp experiments --quick` end to end (issue 7): it runs through bin/dpp.mjs on real validator
 * processes, and its report/experiments.json is internally consistent — bytes and CPU per
 * transaction grow with the number of validators, the round's transactions match their kinds and
 * the formula, every reported equilibrium is certified, every scheme's round trip was checked before
 * it was timed, and the three figures exist and are well-formed SVG.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExperimentsReport } from '../../src/experiments/reportPage.ts';
import { runDpp } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const out = mkdtempSync(join(tmpdir(), 'dpp-experiments-test-'));
let report: ExperimentsReport;
let stdout = '';

/** A minimal well-formedness check: one <svg> root, every tag closed in order. */
function assertWellFormedSvg(text: string, name: string): void {
  assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${name}: svg root`);
  assert.match(text.trim(), /<\/svg>$/, `${name}: closed`);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, tag, selfClosing] = m;
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(stack.pop(), tag, `${name}: </${tag}> closes the open element`);
    else stack.push(tag!);
  }
  assert.deepEqual(stack, [], `${name}: every element closed`);
  assert.ok(!/NaN|Infinity|undefined/.test(text), `${name}: no NaN, Infinity or undefined`);
}

describe('dpp experiments --quick', { timeout: 300_000 }, () => {
  before(async () => {
    const basePort = await freeBasePort(29_000, 20, 150);
    const run = runDpp(['experiments', '--quick', '--out', out, '--base-port', String(basePort)], {
      timeoutMs: 280_000,
    });
    stdout = run.stdout;
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr.slice(-3000)}`);
    report = JSON.parse(readFileSync(join(out, 'experiments.json'), 'utf8')) as ExperimentsReport;
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('writes index.md with the three figures, the parameters, the machine and the date', () => {
    const page = readFileSync(join(out, 'index.md'), 'utf8');
    for (const f of ['energy.svg', 'cost.svg', 'crypto.svg']) assert.ok(page.includes(`](${f})`), f);
    assert.ok(page.includes(report.machine));
    assert.ok(page.includes(report.generatedAt));
    assert.ok(page.includes('Energy-model parameters'));
    assert.match(stdout, /experiments done/);
    assert.equal(report.quick, true);
  });

  it('energy: bytes and CPU per committed transaction grow with N; the fit and the round are consistent', () => {
    const e = report.energy;
    const ns = e.sweep.map((s) => s.validators);
    assert.deepEqual(
      ns,
      [...ns].sort((a, b) => a - b),
    );
    assert.ok(ns.includes(1) && ns.filter((n) => n >= 4).length >= 3);
    for (const s of e.sweep) {
      assert.ok(s.committed > 0, `N = ${s.validators}: committed`);
      assert.ok(s.cpuSecondsPerTx > 0);
    }
    assert.equal(e.sweep[0]!.bytesPerTx, 0, 'one validator sends nothing to peers');
    for (let i = 1; i < e.sweep.length; i++) {
      assert.ok(e.sweep[i]!.bytesPerTx > e.sweep[i - 1]!.bytesPerTx, 'bytes per tx grow with N');
      assert.ok(e.sweep[i]!.cpuSecondsPerTx > e.sweep[i - 1]!.cpuSecondsPerTx, 'CPU per tx grows with N');
    }
    for (const f of [e.fits.cpu, e.fits.bytes]) {
      assert.ok(f.validators.every((n) => n >= 4));
      for (const p of f.points)
        assert.ok(Math.abs(p.y - p.fitted - p.residual) < 1e-6 * Math.max(1, Math.abs(p.y)));
    }
    const round = e.rounds.find((r) => r.validators === 4)!;
    assert.ok(round.certified);
    assert.equal(round.settled, round.bills);
    assert.equal(
      Object.values(round.byKind).reduce((a, b) => a + b, 0),
      round.transactions,
    );
    // one close with the prices solved off chain, and one metering of every generator's sale
    assert.equal(round.byKind['round.close'], 1);
    assert.equal(round.byKind['meter.generation'], 1);
    // one bill per consumer (its statement at the equilibrium prices), each confirmed and acknowledged once
    assert.equal(round.bills, 20);
    assert.equal(round.byKind['bill.respond'], round.bills);
    assert.equal(round.byKind['bill.acknowledge'], round.bills);
    // The bytes by message kind account for the round's bytes (both count each frame the transport
    // took; the round drains before and after, so nothing is in flight at either end).
    const byMessage = Object.values(round.bytesByMessage).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(byMessage - round.bytes) <= 0.01 * round.bytes, `${byMessage} vs ${round.bytes}`);
    for (const kind of ['pre-prepare', 'prepare', 'commit', 'txs'])
      assert.ok((round.bytesByMessage[kind] ?? 0) > 0, kind);
    assert.equal(e.roundModel.formulaCheck.formula, round.transactions);
    assert.equal(e.scenarios.case30.transactionsPerRound, round.transactions);
  });

  it('energy: every comparison is labelled, and ours sits below every-participant-validates and proof of work', () => {
    const e = report.energy;
    for (const scenario of ['case30', 'large'] as const) {
      const rows = e.comparisons.filter((c) => c.scenario === scenario);
      assert.deepEqual(rows.map((c) => c.architecture).sort(), [
        'all-validate',
        'centralised',
        'ours',
        'pow',
      ]);
      const get = (a: string) => rows.find((c) => c.architecture === a)!;
      assert.ok(get('ours').perRound.joules < get('all-validate').perRound.joules);
      assert.ok(get('ours').perRound.joules < get('pow').perRound.joules);
      assert.ok(get('centralised').perRound.joules < get('ours').perRound.joules);
      assert.equal(get('pow').perTx.basis, 'modelled');
      assert.equal(get('all-validate').perTx.basis, 'extrapolated');
    }
    assert.equal(
      e.comparisons.find((c) => c.scenario === 'case30' && c.architecture === 'ours')!.perRound.basis,
      'measured',
    );
    for (const q of e.parameters)
      assert.ok(q.source.length > 10 && ['sourced', 'assumption', 'definition'].includes(q.kind));
  });

  it('cost: every reported equilibrium is certified', () => {
    const c = report.cost;
    assert.equal(c.certifiedGap.certified, c.certifiedGap.total);
    assert.equal(c.scenarios.length, c.scenarioCount);
    for (const s of c.scenarios) assert.ok(s.certificate.certified, `${s.name} certified`);
    for (const f of c.sensitivity?.factors ?? [])
      for (const p of f.points) assert.ok(p.certified <= p.total && p.total > 0);
  });

  it("crypto: every scheme's round trip was checked before it was timed", () => {
    const r = report.crypto;
    assert.ok(r.rows.length > 0);
    for (const row of r.rows) {
      const check = r.checks.find((c) => c.scheme === row.scheme && c.curve === row.curve && c.n === row.n);
      assert.ok(check, `${row.scheme}/${row.curve}/n=${row.n} checked`);
      assert.ok(check.roundTrip && check.tamperRefused);
      assert.ok(check.seq < row.timedSeq, 'checked before timed');
      assert.ok(row.signcryptMs > 0 && row.unsigncryptMs > 0);
    }
    assert.ok(r.rows.some((x) => x.curve === 'bls12-381') && r.rows.some((x) => x.curve === 'bn254'));
    assert.equal(r.bound.length, r.sizes.length);
  });

  it('the figures exist and are well-formed SVG', () => {
    for (const f of ['energy.svg', 'cost.svg', 'crypto.svg', 'cost-sensitivity.svg']) {
      assert.ok(existsSync(join(out, f)), f);
      assertWellFormedSvg(readFileSync(join(out, f), 'utf8'), f);
    }
  });
});
