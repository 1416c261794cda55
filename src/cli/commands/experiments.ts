/**
 * `dpp experiments [--quick] [--out <dir>] [--base-port <port>]` and its parts
 * `dpp experiment energy` and `dpp experiment crypto` (docs/experiments.md): runs the three
 * paper-claim experiments — energy on real validator processes, purchase cost
 * (`dpp experiment cost`'s computation), privacy cost (the crypto benchmark) — with a progress
 * bar on stderr, and writes their JSON, the figures and report/index.md. The validator networks
 * and the benchmarked schemes are loaded when an experiment runs, not with every `dpp` command.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { costChart, sensitivityChart } from '../../experiments/costCharts.ts';
import { type CostReport, runCostExperiment } from '../../experiments/costExperiment.ts';
import type { CryptoBenchResult } from '../../experiments/cryptoBench.ts';
import { cryptoChart } from '../../experiments/cryptoChart.ts';
import { energyChart } from '../../experiments/energyChart.ts';
import { analyseEnergy, type EnergyReport } from '../../experiments/energyModel.ts';
import { type ExperimentsReport, reportPage } from '../../experiments/reportPage.ts';
import { wholeNumber } from '../parse.ts';
import { experimentGroup } from './experimentCost.ts';
import { experimentScenarios, loadMarketData } from './marketData.ts';

/** Adds `dpp experiment energy`, `dpp experiment crypto` and `dpp experiments`. */
export function register(program: Command): void {
  const experiment = experimentGroup(program);
  withNetworks(
    experiment
      .command('energy')
      .description(
        'CPU seconds and bytes per transaction on 1–13 real validator processes; four architectures compared',
      )
      .option('--quick', 'a short run (fewer validator counts, a 3 s window)')
      .option('--out <dir>', 'directory for energy.json and energy.svg', 'report'),
  ).action(async (o: ExperimentsArguments) => {
    await energyExperiment(experimentsOptions(o));
  });
  experiment
    .command('crypto')
    .description('ring signcryption cost vs pairing-based schemes by ring size, round trips checked first')
    .option('--quick', 'ring sizes 2 and 8 only, few repetitions')
    .option('--out <dir>', 'directory for crypto.json and crypto.svg', 'report')
    .action(async (o: Omit<ExperimentsArguments, 'basePort'>) => {
      await cryptoExperiment(experimentsOptions({ ...o, basePort: BASE_PORT }));
    });
  withNetworks(
    program
      .command('experiments')
      .description(
        'energy, purchase cost and privacy cost: tables, figures and report/index.md (docs/experiments.md)',
      )
      .option('--quick', 'a reduced run (used by the tests)')
      .option('--out <dir>', 'directory for the report', 'report'),
  ).action(async (o: ExperimentsArguments) => {
    await runExperiments(experimentsOptions(o));
  });
}

/** The first port of the validator networks the energy experiment launches, by default. */
const BASE_PORT = '29000';

/** Adds the option of the commands that launch validator networks. */
function withNetworks(cmd: Command): Command {
  return cmd.option(
    '-p, --base-port <port>',
    'first port of the validator networks (uses 240 ports)',
    BASE_PORT,
  );
}

/** What the experiment commands are given. */
interface ExperimentsArguments {
  readonly quick?: boolean;
  readonly out: string;
  readonly basePort: string;
}

function experimentsOptions(o: ExperimentsArguments): ExperimentsOptions {
  return {
    quick: o.quick === true,
    out: o.out,
    basePort: wholeNumber(o.basePort, '--base-port', 1024, 65000),
  };
}

/** Options shared by the experiment commands. */
export interface ExperimentsOptions {
  readonly quick: boolean;
  readonly out: string;
  /** First port of the validator networks (each network takes 30 ports, up to 8 networks). */
  readonly basePort: number;
}

/** The energy settings: full, and quick (tests). */
function energySettings(quick: boolean) {
  return quick
    ? {
        sweepValidators: [1, 4, 7, 10],
        roundValidators: [4],
        offeredTxPerSecond: 200,
        windowSeconds: 3,
        warmupSeconds: 1,
        idleSeconds: 1,
        senders: 8,
      }
    : {
        sweepValidators: [1, 4, 7, 10, 13],
        roundValidators: [1, 4, 7],
        offeredTxPerSecond: 200,
        windowSeconds: 15,
        warmupSeconds: 3,
        idleSeconds: 5,
        senders: 8,
      };
}

/** A progress bar on stderr (redrawn on a terminal, a line per 10 % otherwise). */
export function progressBar(stage: string): (done: number, total: number, label: string) => void {
  const tty = process.stderr.isTTY === true;
  let lastPct = -1;
  return (done, total, label) => {
    const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
    const width = 24;
    const filled = Math.round((width * pct) / 100);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${stage.padEnd(7)} ${bar} ${String(pct).padStart(3)}% ${label}`;
    if (tty) {
      process.stderr.write(`\r\x1b[K${pc.dim(line.slice(0, (process.stderr.columns ?? 100) - 1))}`);
      if (done === total) process.stderr.write('\n');
    } else if (pct >= lastPct + 10 || done === total) {
      lastPct = pct;
      process.stderr.write(`${line}\n`);
    }
  };
}

/** This machine and runtime, in one line. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu} · ${cpus().length} cores · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${process.platform}`;
}

/** Runs the energy experiment and writes energy.json and energy.svg. */
export async function energyExperiment(o: ExperimentsOptions): Promise<EnergyReport> {
  const { runEnergyMeasurements } = await import('../../experiments/energyRun.ts');
  const s = energySettings(o.quick);
  const scratch = mkdtempSync(join(tmpdir(), 'dpp-energy-'));
  try {
    const measured = await runEnergyMeasurements({
      ...s,
      basePort: o.basePort,
      dir: scratch,
      progress: progressBar('energy'),
    });
    const report = analyseEnergy(measured.sweep, measured.rounds, {
      kind: 'memo',
      offeredTxPerSecond: s.offeredTxPerSecond,
      windowSeconds: s.windowSeconds,
      senders: s.senders,
    });
    write(o.out, 'energy.json', json(report));
    write(o.out, 'energy.svg', energyChart(report));
    return report;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs the cost experiment (with its sensitivity sweeps) and writes cost.json and the charts. */
export function costExperiment(o: ExperimentsOptions): CostReport {
  const inputs = experimentScenarios(loadMarketData(), o.quick ? 5 : 100);
  const sensitivityInputs = o.quick
    ? inputs.filter((s) => s.kind === 'case30').concat(inputs.filter((s) => s.kind === 'random').slice(0, 1))
    : inputs.slice(0, 22);
  const report = runCostExperiment(inputs, {
    sensitivity: true,
    sensitivityInputs,
    sensitivityPoints: o.quick ? 3 : 5,
    progress: progressBar('cost'),
  });
  write(o.out, 'cost.json', json(report));
  write(o.out, 'cost.svg', costChart(report));
  if (report.sensitivity)
    write(o.out, 'cost-sensitivity.svg', sensitivityChart(report.sensitivity, report.sourceReductionPct));
  return report;
}

/** Runs the crypto benchmark and writes crypto.json and crypto.svg. */
export async function cryptoExperiment(o: ExperimentsOptions): Promise<CryptoBenchResult> {
  const { CRYPTO_FULL, CRYPTO_QUICK, runCryptoBench } = await import('../../experiments/cryptoBench.ts');
  const result = await runCryptoBench({
    ...(o.quick ? CRYPTO_QUICK : CRYPTO_FULL),
    progress: progressBar('crypto'),
  });
  write(o.out, 'crypto.json', json(result));
  write(o.out, 'crypto.svg', cryptoChart(result));
  return result;
}

/** `dpp experiments`: all three, then experiments.json and index.md. */
export async function runExperiments(o: ExperimentsOptions): Promise<ExperimentsReport> {
  const started = performance.now();
  const elapsed = (since: number): number => (performance.now() - since) / 1000;
  process.stderr.write(
    `${pc.bold('dpp experiments')}${o.quick ? ' --quick' : ''} — ${machineDescription()}\n`,
  );
  let t = performance.now();
  const energy = await energyExperiment(o);
  const energySeconds = elapsed(t);
  t = performance.now();
  const cost = costExperiment(o);
  const costSeconds = elapsed(t);
  t = performance.now();
  const crypto = await cryptoExperiment(o);
  const cryptoSeconds = elapsed(t);
  const report: ExperimentsReport = {
    generatedAt: new Date().toISOString(),
    machine: machineDescription(),
    command: `dpp experiments${o.quick ? ' --quick' : ''}`,
    quick: o.quick,
    seconds: { energy: energySeconds, cost: costSeconds, crypto: cryptoSeconds, total: elapsed(started) },
    energy,
    cost,
    crypto,
  };
  write(o.out, 'experiments.json', json(report));
  write(o.out, 'index.md', reportPage(report));
  const dir = resolve(o.out);
  process.stdout.write(
    `${pc.green('✓')} experiments done in ${report.seconds.total.toFixed(0)} s: ${dir}/index.md (figures energy.svg, cost.svg, crypto.svg)\n`,
  );
  const ours = energy.comparisons.find((c) => c.scenario === 'case30' && c.architecture === 'ours')!;
  const all = energy.comparisons.find((c) => c.scenario === 'case30' && c.architecture === 'all-validate')!;
  const pow = energy.comparisons.find((c) => c.scenario === 'case30' && c.architecture === 'pow')!;
  process.stdout.write(
    `  energy per case30 round: ours ${ours.perRound.joules.toPrecision(3)} J (4 validators), every participant validating ${all.perRound.joules.toPrecision(3)} J (${all.perRound.basis}), proof of work ${pow.perRound.joules.toPrecision(3)} J (modelled)\n`,
  );
  process.stdout.write(
    `  purchase cost: ${cost.reduction.catalog.mean.toFixed(2)} % below catalog on average (source: ${cost.sourceReductionPct} %); ${cost.certifiedGap.certified}/${cost.certifiedGap.total} equilibria certified\n`,
  );
  const worst = Math.min(
    ...crypto.rows
      .filter((r) => r.scheme.startsWith('cyh05') && r.curve === 'bls12-381')
      .map((r) => (r.signcryptMs + r.unsigncryptMs) / r.oursBesideTotalMs),
  );
  process.stdout.write(
    `  privacy cost: pairing-based schemes on BLS12-381 cost ≥ ${worst.toFixed(2)}× ours\n`,
  );
  return report;
}

function json(x: unknown): string {
  return `${JSON.stringify(x, null, 2)}\n`;
}

function write(dir: string, name: string, text: string): void {
  mkdirSync(resolve(dir), { recursive: true });
  writeFileSync(resolve(dir, name), text);
}
