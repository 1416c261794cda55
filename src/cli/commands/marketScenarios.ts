/**
 * `dpp scenarios [--write]`: builds the case30 and case118 market scenarios from data/ and prints a
 * summary; with --write, refreshes the frozen copies in data/scenarios/ (a test checks that they
 * still equal what the builders produce, so a change in data or builder cannot go unnoticed).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { scenarioToJson } from '../../market/scenarioJson.ts';
import { case30Scenario } from '../../market/scenarios/case30.ts';
import { case118Scenario } from '../../market/scenarios/case118.ts';
import type { Scenario } from '../../market/types.ts';
import { DATA_DIR, loadMarketData } from './marketData.ts';

/** Adds `dpp scenarios`. */
export function register(program: Command): void {
  program
    .command('scenarios')
    .description('build the case30 and case118 market scenarios from data/')
    .option('--write', 'refresh the frozen copies in data/scenarios/')
    .action((o: { write?: boolean }) => runMarketScenarios({ write: o.write === true }));
}

/** The frozen scenarios and their files. */
export function frozenScenarios(): { file: string; scenario: Scenario; json: string }[] {
  const data = loadMarketData();
  return [case30Scenario(data.case30, data.tariffs), case118Scenario(data.case118, data.tariffs)].map(
    (b) => ({
      file: resolve(DATA_DIR, `scenarios/${b.scenario.name}.json`),
      scenario: b.scenario,
      json: `${JSON.stringify(scenarioToJson(b.scenario), null, 2)}\n`,
    }),
  );
}

/** Prints (and with `write`, saves) the built scenarios. */
export function runMarketScenarios({ write }: { readonly write: boolean }): void {
  for (const f of frozenScenarios()) {
    const s = f.scenario;
    const demand = Number(s.consumers.reduce((x, c) => x + c.demandWh, 0n)) / 1e6;
    const capacity = Number(s.generators.reduce((x, g) => x + g.capacityWh, 0n)) / 1e6;
    process.stdout.write(
      `${s.name}: ${s.generators.length} generators (${capacity.toFixed(1)} MW), ${s.consumers.length} consumers (${demand.toFixed(1)} MW)${write ? ` → ${f.file}` : ''}\n`,
    );
    if (write) writeFileSync(f.file, f.json);
  }
}
