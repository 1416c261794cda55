/**
 * The README's screenshot of the dashboard, at 1280×800, taken with Debian's chromium exactly as the
 * browser tests drive it.
 *
 *   node --import tsx scripts/screenshotDashboard.ts --rounds 8 docs/images/dashboard-market.png
 *
 * starts a fresh local consortium exactly as `npm start` does (case30: the trading centre, 6
 * generators, 3 aggregators, 20 consumers; 4 validator processes on free loopback ports, in a
 * temporary folder), runs 8 rounds as `npm start -- --rounds 8` does, takes the market page, and
 * stops it: the picture a reader gets from their own run. Prints one line per round like `npm start`.
 *
 *   node --import tsx scripts/screenshotDashboard.ts <dashboard URL> <out.png> [page]
 *
 * takes a page (default market) of a dashboard that is already running, e.g. `npm start`'s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatSummary } from '../src/cli/commands/start.ts';
import { ensureDashboard } from '../src/cli/dashboardBuild.ts';
import { DEMO_REGULATOR_KEY_STORE, DemoKeyStores, demoRegulator } from '../src/client/demoKeyStores.ts';
import { ConsortiumDriver, consortiumMembers, localConsortium } from '../src/client/localConsortium.ts';
import { libsodiumGroup } from '../src/crypto/groupLibsodium.ts';
import { scenarioFromJson } from '../src/market/scenarioJson.ts';
import { launchNetwork } from '../src/node/launcher.ts';
import { ensureChromium, launchChromium } from '../test/dashboard/chromium.ts';
import { freeBasePort } from '../test/ports.ts';

const USAGE =
  'usage: screenshotDashboard.ts --rounds N <out.png> [page]\n       screenshotDashboard.ts <dashboard URL> <out.png> [page]\n';

/** Takes `page` of the dashboard at `url` into `out` (1280×800, the page's first screen). */
async function screenshot(url: string, out: string, page: string): Promise<void> {
  ensureChromium();
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await tab.goto(`${url.replace(/\/$/, '')}/#/${page}`);
    await tab.waitForSelector(`[data-page="${page}"][aria-busy="false"]`, { timeout: 60_000 });
    await tab.waitForTimeout(1_000); // let the charts settle
    await tab.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

/** A fresh case30 consortium as `npm start` makes it, `rounds` rounds, then the screenshot. */
async function fromFreshRun(rounds: number, out: string, page: string): Promise<void> {
  const scenario = scenarioFromJson(
    JSON.parse(readFileSync(resolve(import.meta.dirname, '../data/scenarios/case30.json'), 'utf8')),
  );
  await ensureDashboard((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'dpp-screenshot-'));
  const group = await libsodiumGroup();
  const regulator = demoRegulator(group);
  let stores: DemoKeyStores | undefined;
  const net = launchNetwork({
    validators: 1 + new Set(scenario.consumers.map((c) => c.group)).size,
    dir,
    basePort: await freeBasePort(9_100, 100, 8),
    members: consortiumMembers(scenario),
    logTo: () => {},
    beforeStart: (network, at) => {
      stores = DemoKeyStores.create(at, network, regulator);
    },
    regulatorKeyStore: { path: DEMO_REGULATOR_KEY_STORE, insecure: true },
  });
  try {
    await net.ready();
    const consortium = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      regulator,
      net.network.memberKeys,
      net.validators.map((v) => v.apiUrl),
    );
    const driver = new ConsortiumDriver(
      consortium,
      undefined,
      () => {},
      (member, entry) => stores?.add(member, entry),
    );
    await driver.setUp();
    for (let round = 1n; round <= BigInt(rounds); round++)
      console.log(formatSummary(await driver.runRound(round)));
    await screenshot(`${net.validators[0]!.apiUrl}/dashboard/`, out, page);
    console.log(`${out}: the ${page} page after ${rounds} rounds, 1280×800`);
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--rounds') {
  const rounds = Number(args[1]);
  const [out, page = 'market'] = args.slice(2);
  if (!Number.isInteger(rounds) || rounds < 1 || out === undefined) {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  await fromFreshRun(rounds, out, page);
} else {
  const [url, out, page = 'market'] = args;
  if (url === undefined || out === undefined) {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  await screenshot(url, out, page);
}
