/**
 * `dpp experiment cost [--json] [--sensitivity] [--quick] [--random <n>] [--out <dir>]`: the cost
 * experiment of docs/market-model.md §9. Builds case30, case118 and n seeded random scenarios from
 * data/, runs the reputation-aware Stackelberg mode and the three baselines on each, certifies every
 * equilibrium, and writes report/cost.json and report/cost.svg (with --sensitivity also the
 * sensitivity sweeps and report/cost-sensitivity.svg). Progress goes to stderr; --json prints the
 * report on stdout, otherwise a summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { costChart, sensitivityChart } from '../../experiments/costCharts.ts';
import { type CostReport, runCostExperiment } from '../../experiments/costExperiment.ts';
import { ifGiven, wholeNumber } from '../parse.ts';
import { experimentScenarios, loadMarketData } from './marketData.ts';

/** The `dpp experiment` group (this file adds `cost`, ./experiments.ts `energy` and `crypto`). */
export function experimentGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'experiment') ??
    program.command('experiment').description('the experiments behind the paper claims')
  );
}

/** Adds `dpp experiment cost`. */
export function register(program: Command): void {
  experimentGroup(program)
    .command('cost')
    .description(
      'reputation-Stackelberg trading vs catalog, bilateral and centralised modes: cost, volume, profit',
    )
    .option('--json', 'print the report (report/cost.json) on stdout')
    .option(
      '--sensitivity',
      'also sweep pricing rule, tariffs, outside option, reputation weight, substitution',
    )
    .option('--quick', 'a short run: 5 random scenarios and small sweeps')
    .option('--random <n>', 'seeded random scenarios to run (0..1000, default 100)')
    .option('--out <dir>', 'directory for cost.json and the charts', 'report')
    .action(
      async (o: { json?: boolean; sensitivity?: boolean; quick?: boolean; random?: string; out: string }) => {
        await runExperimentCost({
          json: o.json === true,
          sensitivity: o.sensitivity === true,
          quick: o.quick === true,
          random: ifGiven(o.random, (t) =>
            wholeNumber(t, '--random', 0, 1000, 'dpp experiment cost --random 20'),
          ),
          out: o.out,
        });
      },
    );
}

/** Options of the command. */
export interface ExperimentCostOptions {
  readonly json: boolean;
  readonly sensitivity: boolean;
  readonly quick: boolean;
  /** Random scenarios (default 100, --quick 5). */
  readonly random: number | undefined;
  readonly out: string;
}

/** Runs the experiment and writes its report. */
export async function runExperimentCost(o: ExperimentCostOptions): Promise<CostReport> {
  const randomCount = o.random ?? (o.quick ? 5 : 100);
  const inputs = experimentScenarios(loadMarketData(), randomCount);
  // Sensitivity set: case30, case118 and 20 random scenarios (quick: case30 and one random).
  const sensitivityInputs = o.quick
    ? inputs.filter((s) => s.kind === 'case30').concat(inputs.filter((s) => s.kind === 'random').slice(0, 1))
    : inputs.slice(0, 22);
  const started = performance.now();
  const report = runCostExperiment(inputs, {
    sensitivity: o.sensitivity,
    sensitivityInputs,
    sensitivityPoints: o.quick ? 3 : 5,
    progress: progressPrinter(),
  });
  const seconds = (performance.now() - started) / 1000;
  const dir = resolve(o.out);
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(resolve(dir, 'cost.json'), json);
  writeFileSync(resolve(dir, 'cost.svg'), costChart(report));
  if (report.sensitivity) {
    writeFileSync(
      resolve(dir, 'cost-sensitivity.svg'),
      sensitivityChart(report.sensitivity, report.sourceReductionPct),
    );
  }
  process.stderr.write(
    `${pc.dim(`done in ${seconds.toFixed(1)} s; wrote ${dir}/cost.json, cost.svg${report.sensitivity ? ', cost-sensitivity.svg' : ''}`)}\n`,
  );
  if (o.json) process.stdout.write(json);
  else printSummary(report);
  return report;
}

function progressPrinter(): (done: number, total: number, label: string) => void {
  const tty = process.stderr.isTTY === true;
  let lastPct = -1;
  return (done, total, label) => {
    const pct = Math.floor((100 * done) / total);
    if (tty) {
      process.stderr.write(
        `\r${pc.dim(`[${String(pct).padStart(3)}%] ${done}/${total} ${label}`.padEnd(78).slice(0, 78))}`,
      );
      if (done === total) process.stderr.write('\n');
    } else if (pct >= lastPct + 10 || done === total) {
      lastPct = pct;
      process.stderr.write(`[${String(pct).padStart(3)}%] ${done}/${total} ${label}\n`);
    }
  };
}

function printSummary(r: CostReport): void {
  const y = (microYuanPerKWh: number): string => (microYuanPerKWh / 1e6).toFixed(4);
  const line = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  line(pc.bold(`Cost experiment: ${r.scenarioCount} scenarios`));
  line('');
  line('average purchase cost, yuan/kWh     ours    catalog bilateral centralised');
  for (const s of r.scenarios.filter((x) => x.kind !== 'random')) {
    const rows: [string, typeof s.averageCostMicroYuanPerKWh][] = [
      [`${s.name} (all)`, s.averageCostMicroYuanPerKWh],
    ];
    for (const [g, v] of Object.entries(s.byGroup))
      if (Object.keys(s.byGroup).length > 1) rows.push([`${s.name} ${g}`, v]);
    for (const [name, v] of rows) {
      line(
        `  ${name.padEnd(32)} ${y(v.stackelberg)}  ${y(v.catalog)}  ${y(v.bilateral)}  ${y(v.centralised)}`,
      );
    }
  }
  const a = r.averageCostMicroYuanPerKWh;
  line(
    `  ${'mean over all scenarios'.padEnd(32)} ${y(a.stackelberg)}  ${y(a.catalog)}  ${y(a.bilateral)}  ${y(a.centralised)}`,
  );
  line('');
  line('cost reduction of our mode (mean ± sd over scenarios; case30, case118)');
  for (const k of ['catalog', 'bilateral', 'centralised'] as const) {
    const st = r.reduction[k];
    line(
      `  vs ${k.padEnd(12)} ${pc.bold(`${st.mean.toFixed(2)} %`)} ± ${st.sd.toFixed(2)}   (case30 ${st.case30?.toFixed(2)} %, case118 ${st.case118?.toFixed(2)} %)`,
    );
  }
  const same = r.reductionBilateralSamePreferences;
  line(`  vs bilateral priced with our preferences: ${same.mean.toFixed(2)} % ± ${same.sd.toFixed(2)}`);
  line(`  source work: ${r.sourceReductionPct} % (see docs/market-model.md §10 for why ours differs)`);
  line('');
  const g = r.generators;
  line('generators, summed over scenarios          ours    catalog  bilateral centralised');
  const row = (name: string, v: typeof g.profitYuan, f: number): void =>
    line(
      `  ${name.padEnd(38)} ${[v.stackelberg, v.catalog, v.bilateral, v.centralised].map((x) => (x * f).toFixed(1).padStart(9)).join(' ')}`,
    );
  row('sold directly, GWh', g.directVolumeMWh, 1e-3);
  row('sold in total, GWh', g.soldVolumeMWh, 1e-3);
  row('profit, million yuan', g.profitYuan, 1e-6);
  line('');
  const c = r.certifiedGap;
  line(
    `certification: ${c.certified}/${c.total} rounds certified within ε = ${c.epsilonMicroYuanPerKWh} µ¥/kWh of each participant's size; largest gap ${c.maxLeaderGapMicroYuanPerKWh.toFixed(1)} µ¥/kWh (leaders), ${c.maxFollowerGapMicroYuanPerKWh.toFixed(2)} µ¥/kWh (followers)`,
  );
  for (const u of c.uncertified) line(pc.yellow(`  not certified: ${u.name} (${u.participants.join(', ')})`));
}
