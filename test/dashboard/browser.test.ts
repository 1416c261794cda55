/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a local
 * case30 consortium on 4 validator processes driven by the local driver, with the demo's key stores
 * written as `npm start` writes them. It checks that the pages render real chain data (a round's
 * clearing prices and each generator's sale on the page equal the API's, its demand a page of the
 * node's list), that the live view advances when a block commits,
 * that a Merkle proof verifies in the browser, that a signed-in generator reads a decrypted
 * confirmation while the public view does not, that a signed-in consumer sees its own pseudonyms'
 * bills, that a trace requested as the trading centre appears in the audit log; after a second round,
 * that the charts do not mislead (bars from zero, no clipped tick label, each generator's price
 * readable in the table beside its chart and its line distinct in dash and marker); that every page
 * says it is loading until its data arrives; that the market page fits a phone-width screen, and that
 * no page logs a console error; and last, that a frozen or stopped node brings up a "disconnected —
 * data as of" banner and marks every table stale. Screenshots of every page go to
 * test-results/dashboard/ (not committed).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureDashboard } from '../../src/cli/dashboardBuild.ts';
import { DEMO_REGULATOR_KEY_STORE, DemoKeyStores, demoRegulator } from '../../src/client/demoKeyStores.ts';
import { ConsortiumDriver, consortiumMembers, localConsortium } from '../../src/client/localConsortium.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { decodeScalar } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import { type LocalNetwork, launchNetwork } from '../../src/node/launcher.ts';
import { freeBasePort } from '../ports.ts';
import { ensureChromium, launchChromium } from './chromium.ts';

// The few DOM globals the page functions below use (they run in the browser, not here).
declare const document: {
  querySelector(s: string): { textContent: string | null } | null;
  querySelectorAll<T = unknown>(s: string): ArrayLike<T>;
  createElement(tag: 'canvas'): {
    getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } };
  };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number; devicePixelRatio: number };

/** The parts of a uPlot instance (src/dashboard/charts.ts keeps it on its root as `chart`) read here. */
interface UPlotAxis {
  show: boolean;
  side: number;
  scale: string;
  gap: number;
  ticks: { show: boolean; size: number };
  font: [string, number, number];
  _show?: boolean;
  _pos: number;
  _size: number;
  _values: (string | number | null)[] | null;
  _splits: number[] | null;
}
interface UPlotLike {
  width: number;
  bbox: { left: number };
  root: { getAttribute(name: string): string | null };
  scales: Record<string, { min: number | null; max: number | null }>;
  axes: UPlotAxis[];
  series: { label: string; dash?: number[]; marker?: string; _focus?: boolean | null }[];
  data: (number | null)[][];
  valToPos(value: number, scale: string): number;
}
/** What `readCharts` reports of each chart on the page. */
interface ChartReport {
  title: string | null;
  exposed: boolean;
  yMin: number | null;
  yMax: number | null;
  dataMax: number;
  clipped: string[];
  series: { label: string; style: string; focus: boolean | null }[];
}

/**
 * Runs in the page: every uPlot chart's y scale, its series, and the tick labels that do not fit
 * inside their axis (or, on the x axis, the chart): each label measured in the axis's own font at the
 * place uPlot draws it (right-aligned `ticks.size + gap` inside a left axis; centred on its tick below).
 */
function readCharts(): ChartReport[] {
  const out: ChartReport[] = [];
  const roots = document.querySelectorAll<{ chart?: UPlotLike; getAttribute(n: string): string | null }>(
    '.uplot',
  );
  const ctx = document.createElement('canvas').getContext('2d');
  const ratio = window.devicePixelRatio;
  for (let k = 0; k < roots.length; k++) {
    const u = roots[k]!.chart;
    if (u === undefined) {
      out.push({
        title: roots[k]!.getAttribute('aria-label'),
        exposed: false,
        yMin: null,
        yMax: null,
        dataMax: 0,
        clipped: [],
        series: [],
      });
      continue;
    }
    const clipped: string[] = [];
    for (const axis of u.axes) {
      if (!axis.show || axis._show === false || axis._values === null || axis._splits === null) continue;
      ctx.font = axis.font[0];
      const tick = axis.ticks.show ? axis.ticks.size : 0;
      for (let i = 0; i < axis._values.length; i++) {
        const text = axis._values[i];
        if (text === null || text === undefined) continue;
        // a label may have several lines (uPlot draws each at the same x)
        let w = 0;
        for (const part of String(text).split('\n')) w = Math.max(w, ctx.measureText(part).width / ratio);
        let fits: boolean;
        if (axis.side === 3) fits = axis._pos - tick - axis.gap - w >= axis._pos - axis._size - 0.5;
        else if (axis.side === 1) fits = axis._pos + tick + axis.gap + w <= axis._pos + axis._size + 0.5;
        else {
          const centre = u.bbox.left / ratio + u.valToPos(axis._splits[i]!, axis.scale);
          fits = centre - w / 2 >= -0.5 && centre + w / 2 <= u.width + 0.5;
        }
        if (!fits) clipped.push(`${String(text).replace('\n', ' / ')} (axis on side ${axis.side})`);
      }
    }
    let dataMax = Number.NEGATIVE_INFINITY;
    for (const ys of u.data.slice(1)) for (const y of ys) if (y !== null && y > dataMax) dataMax = y;
    out.push({
      title: u.root.getAttribute('aria-label'),
      exposed: true,
      yMin: u.scales.y?.min ?? null,
      yMax: u.scales.y?.max ?? null,
      dataMax,
      clipped,
      series: u.series.slice(1).map((s) => ({
        label: s.label,
        style: `dash ${(s.dash ?? []).join(',') || 'solid'}, marker ${s.marker ?? 'circle'}`,
        focus: s._focus ?? null,
      })),
    });
  }
  return out;
}

const scenario = scenarioFromJson(
  JSON.parse(readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8')),
);
const SHOTS = resolve(import.meta.dirname, '../../test-results/dashboard');
const get = async <T>(url: string) => (await fetch(url)).json() as Promise<T>;

describe('dashboard in chromium on a live consortium', { timeout: 240_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: Browser;
  let page: Page;
  let base: string;
  let driver: ConsortiumDriver;
  const problems: string[] = [];

  before(async () => {
    ensureChromium();
    await ensureDashboard();
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'dpp-dashboard-'));
    const group = await libsodiumGroup();
    const regulator = demoRegulator(group);
    let stores: DemoKeyStores | undefined;
    net = launchNetwork({
      validators: 4,
      dir,
      basePort: await freeBasePort(9_100, 100, 8),
      members: consortiumMembers(scenario),
      logTo: () => {},
      beforeStart: (network, at) => {
        stores = DemoKeyStores.create(at, network, regulator);
      },
      regulatorKeyStore: { path: DEMO_REGULATOR_KEY_STORE, insecure: true },
    });
    const urls = net.validators.map((v) => v.apiUrl);
    base = urls[0]!;
    await net.ready();
    const c = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      regulator,
      net.network.memberKeys,
      urls,
    );
    driver = new ConsortiumDriver(
      c,
      undefined,
      () => {},
      (member, entry) => stores?.add(member, entry),
    );
    await driver.setUp();
    await driver.runRound(1n, true);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await net?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<void> {
    await page.goto(`${base}/dashboard/#/${path}`);
    await page.waitForSelector(`[data-page="${path}"][aria-busy="false"]`, { timeout: 60_000 });
  }

  async function signIn(member: string): Promise<void> {
    if ((await page.locator('[data-testid=signed-in]').count()) > 0)
      await page.getByRole('button', { name: 'Sign out' }).click();
    await page.setInputFiles('#key-file', join(dir, 'keys', `${member}.json`));
    await page.check('#key-insecure');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector(`[data-testid=signed-in]:has-text("${member}")`, { timeout: 20_000 });
  }

  it('the market page shows round 1’s clearing prices exactly as the API serves them', async () => {
    await open('market');
    const api = await get<{ clearing: { prices: { generator: string; priceMicroYuanPerKWh: string }[] } }>(
      `${base}/v1/rounds/1`,
    );
    await page.getByRole('button', { name: 'Show round 1' }).click();
    await page.waitForSelector('h2:has-text("Round 1")');
    const shown = await page.$$eval('[data-testid=clearing-prices] [data-generator]', (els) =>
      els.map((e) => ({
        generator: e.getAttribute('data-generator')!,
        priceMicroYuanPerKWh: e.getAttribute('data-price')!,
      })),
    );
    assert.equal(shown.length, 6);
    assert.deepEqual(
      shown,
      api.clearing.prices.map((p) => ({
        generator: p.generator,
        priceMicroYuanPerKWh: p.priceMicroYuanPerKWh,
      })),
    );
    // each generator's sale beside its price: what it sold as GET /v1/rounds/1/sales says
    const sales = (await get<{ sales: { generator: string; soldWh: string }[] }>(`${base}/v1/rounds/1/sales`))
      .sales;
    const sold = await page.$$eval('[data-testid=clearing-prices] [data-sold-wh]', (els) =>
      els.map((e) => e.getAttribute('data-sold-wh')),
    );
    assert.deepEqual(
      sold,
      sales.map((x) => x.soldWh),
    );
    // the consumers' cost under every trading mode, settled by the node from the round on chain
    const modes = await page.$$eval('[data-testid=modes] tbody tr', (rows) => rows.length);
    assert.equal(modes, 4);
    // the round's demand is a page of the node's list, as long as the round says
    const round = await get<{ demands: number }>(`${base}/v1/rounds/1`);
    assert.equal(
      await page.textContent('[data-testid=demands-pager] span'),
      `Demands 1–${Math.min(round.demands, 20)} of ${round.demands}`,
    );
    assert.equal(await page.locator('[data-testid=demands] tbody tr').count(), Math.min(round.demands, 20));
    await page.screenshot({ path: join(SHOTS, 'market.png') });
  });

  it('the network page advances live when a block commits, and a transaction’s Merkle proof verifies in the browser', async () => {
    await open('network');
    assert.equal(await page.locator('[data-testid=validators] tbody tr').count(), 4);
    // the validator sets: the genesis set only, certifying every block after 0, no change pending
    const setRows = page.locator('[data-testid="validator sets"] tbody tr');
    assert.equal(await setRows.count(), 1);
    assert.match((await setRows.first().textContent()) ?? '', /^00validator-0 \(0\), validator-1 \(1\)/);
    assert.ok(await page.getByText('No change pending.').isVisible());
    const heightOf = async () => Number(await page.textContent('[data-testid=head-height]'));
    await page.waitForFunction(() =>
      /^\d+$/.test(document.querySelector('[data-testid=head-height]')?.textContent ?? ''),
    );
    const h0 = await heightOf();
    await page.waitForFunction(
      (h) => Number(document.querySelector('[data-testid=head-height]')?.textContent) > h,
      h0,
      { timeout: 20_000 },
    );
    assert.ok((await heightOf()) > h0);
    // A block with transactions: the round's blocks are among the latest 100.
    const withTxs = page.locator('[data-testid=blocks] tbody tr').filter({ hasNotText: /^\d+\s+\S+\s+0\s/ });
    await page
      .getByRole('button', { name: /^Show block/ })
      .first()
      .click();
    await page.waitForSelector('[data-testid=block-txs]');
    if ((await page.locator('[data-testid=block-txs] tbody tr').count()) === 0) {
      // the newest blocks may be empty: open the newest one that is not
      const rows = await withTxs.count();
      for (let i = 0; i < rows; i++) {
        await withTxs.nth(i).getByRole('button').click();
        if ((await page.locator('[data-testid=block-txs] tbody tr').count()) > 0) break;
      }
    }
    await page
      .getByRole('button', { name: /^Check the Merkle proof/ })
      .first()
      .click();
    const result = page.locator('[data-testid=proof-result]').first();
    await result.waitFor();
    assert.match((await result.textContent()) ?? '', /verified in this browser/);
    await page.screenshot({ path: join(SHOTS, 'network.png'), fullPage: false });
  });

  it('the public view shows responses sealed; a signed-in generator reads its confirmations decrypted', async () => {
    await open('bills');
    await page.selectOption('#round-select', '1');
    await page.waitForSelector('[data-testid=responses] tbody tr');
    assert.equal(await page.locator('[data-testid=decrypted]').count(), 0, 'public view decrypts nothing');
    assert.ok((await page.locator('[data-testid=responses] td:has-text("sealed: only")').count()) > 0);
    await page.screenshot({ path: join(SHOTS, 'bills-public.png') });

    await signIn('g1.bus1');
    await open('bills');
    await page.selectOption('#round-select', '1');
    await page.waitForSelector('[data-testid=decrypted]', { timeout: 30_000 });
    const decrypted = await page.locator('[data-testid=decrypted]').allTextContents();
    const addressed = (
      await get<{ responses: { generator: string }[] }>(`${base}/v1/rounds/1/responses`)
    ).responses.filter((r) => r.generator === 'g1.bus1').length;
    assert.equal(decrypted.length, addressed);
    assert.ok(decrypted.some((t) => /CONFIRM/.test(t)));
    assert.ok(
      decrypted.every((t) => /^bill 1\/\d+: (CONFIRM|DISPUTE)$/.test(t)),
      decrypted.join(' | '),
    );
    await page.screenshot({ path: join(SHOTS, 'bills-generator.png') });
  });

  it('a signed-in consumer sees exactly its own pseudonym’s bills', async () => {
    const consumer = scenario.consumers[0]!.id;
    const store = JSON.parse(readFileSync(join(dir, 'keys', `${consumer}.json`), 'utf8')) as {
      entries: { name: string; bytes: string }[];
    };
    const group = await libsodiumGroup();
    const secret = store.entries.find((e) => e.name === 'pseudonym-r1')!.bytes;
    const pseudonym = toHex(group.mulBase(decodeScalar(Buffer.from(secret, 'hex'))));
    const bills = (await get<{ bills: { consumer: string }[] }>(`${base}/v1/rounds/1/bills`)).bills;
    const own = bills.filter((b) => b.consumer === pseudonym).length;
    assert.ok(own > 0);
    await signIn(consumer);
    await open('bills');
    await page.selectOption('#round-select', '1');
    await page.waitForSelector('[data-testid=my-bill]');
    assert.equal(await page.locator('[data-testid=my-bill]').count(), own);
    await page.check('#only-mine');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=bills] tbody tr').length === n,
      own,
    );
    await page.screenshot({ path: join(SHOTS, 'bills-consumer.png') });
  });

  it('the reputation page ranks the generators and aggregators', async () => {
    await open('reputation');
    assert.equal(await page.locator('[data-testid=ranking] tbody tr').count(), 9);
    await page.waitForSelector('[data-testid=indicators] tbody tr');
    await page.screenshot({ path: join(SHOTS, 'reputation.png') });
  });

  it('a trace requested as the trading centre is recorded and appears in the audit log', async () => {
    const responses = (await get<{ responses: { id: string }[] }>(`${base}/v1/rounds/1/responses`)).responses;
    const target = responses.at(-1)!.id;
    const before = (await get<{ traces: unknown[] }>(`${base}/v1/traces`)).traces.length;
    await open('regulator');
    assert.equal(
      await page.getByRole('button', { name: 'Request trace' }).isDisabled(),
      true,
      'public view cannot trace',
    );
    await signIn('trading-centre');
    await open('regulator');
    await page.fill('#trace-response', target);
    await page.fill('#trace-reason', 'browser test audit');
    await page.getByRole('button', { name: 'Request trace' }).click();
    await page.waitForSelector('[data-testid=trace-result] .ok', { timeout: 40_000 });
    assert.match((await page.textContent('[data-testid=trace-result]')) ?? '', /organisation/);
    // the opening is checked in the browser against the chain and offered as a file
    assert.match(
      (await page.textContent('[data-testid=opening-verdict]')) ?? '',
      /^✓ Opening checked in this browser/,
    );
    const download = page.waitForEvent('download');
    await page.click('[data-testid=opening-download]');
    const opening = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
    assert.equal(opening.type, 'dpp-trace-opening');
    assert.equal(opening.response, target);
    await page.waitForSelector(`[data-testid=audit-log] td:has-text("browser test audit")`);
    const traces = (await get<{ traces: { response: string; reason: string }[] }>(`${base}/v1/traces`))
      .traces;
    assert.equal(traces.length, before + 1);
    assert.deepEqual(
      { response: traces.at(-1)!.response, reason: traces.at(-1)!.reason },
      { response: target, reason: 'browser test audit' },
    );
    await page.screenshot({ path: join(SHOTS, 'regulator.png') });
  });

  it('charts: bars start at zero, no tick label is clipped, and each generator’s price can be read', async () => {
    // a second round, so the charts have a change to show (its energy differs from round 1's by 0.1 %)
    await driver.runRound(2n);
    for (const path of ['network', 'reputation', 'market']) {
      await open(path);
      await page.waitForSelector('.uplot');
      const charts = await page.evaluate(readCharts);
      assert.ok(charts.length > 0, path);
      for (const c of charts) {
        assert.ok(c.exposed, `${path}: the chart "${c.title}" keeps its uPlot instance for inspection`);
        assert.deepEqual(c.clipped, [], `${path}: tick labels of "${c.title}" clipped by their axis`);
      }
    }
    const charts = await page.evaluate(readCharts);
    const energy = charts.find((c) => c.title === 'Energy traded directly (MWh)')!;
    assert.ok(energy.dataMax > 180, `energy of round 1 and 2 charted: ${energy.dataMax}`);
    assert.equal(energy.yMin, 0, 'the energy bars start at zero');
    assert.ok(energy.yMax! >= energy.dataMax);

    // The case: energies 0.005 % apart (186.52 and 186.53 MWh; the node's other answers
    // untouched), on which an axis fitted to the data labels a tick "186.525", wider than its box.
    await page.route(/\/v1\/rounds\/[12]$/, async (route) => {
      const response = await route.fetch();
      const round = (await response.json()) as { id: string; clearing: { energyWh: string } };
      round.clearing.energyWh = round.id === '1' ? '186520000' : '186530000';
      await route.fulfill({ response, json: round });
    });
    try {
      await page.goto('about:blank');
      await open('market');
      const narrow = (await page.evaluate(readCharts)).find((c) => c.title === energy.title)!;
      assert.equal(narrow.dataMax, 186.53);
      assert.equal(narrow.yMin, 0, 'the energy bars start at zero');
      assert.deepEqual(narrow.clipped, [], 'no tick label of the energy chart is clipped');
    } finally {
      await page.unrouteAll({ behavior: 'wait' });
    }
    await open('network');
    await open('market');

    // Six generators' prices: each line has its own dash and marker (not only colour), and the table
    // beside the chart lists each generator's price in the latest round exactly as the API serves it.
    const prices = charts.find((c) => c.title === 'Equilibrium price per generator (¥/kWh)')!;
    const api = await get<{ clearing: { prices: { generator: string; priceMicroYuanPerKWh: string }[] } }>(
      `${base}/v1/rounds/2`,
    );
    const generators = api.clearing.prices.map((p) => p.generator).sort();
    assert.deepEqual(
      prices.series.map((s) => s.label),
      generators,
    );
    assert.equal(
      new Set(prices.series.map((s) => s.style)).size,
      6,
      prices.series.map((s) => s.style).join(' | '),
    );
    const rows = await page.$$eval('[data-testid=price-table] tbody tr', (trs) =>
      trs.map((tr) => ({
        generator: tr.getAttribute('data-generator'),
        price: tr.getAttribute('data-price'),
        text: tr.textContent,
      })),
    );
    assert.deepEqual(
      rows.map((r) => ({ generator: r.generator, price: r.price })),
      api.clearing.prices
        .map((p) => ({ generator: p.generator, price: p.priceMicroYuanPerKWh }))
        .sort((a, b) => a.generator.localeCompare(b.generator)),
    );
    for (const r of rows)
      assert.ok(r.text?.includes((Number(r.price) / 1e6).toFixed(4)), `${r.generator}'s row shows its price`);
    // hovering a generator's row brings its line forward; pressing it keeps it there
    const focused = async () =>
      (await page.evaluate(readCharts))
        .find((c) => c.title === prices.title)!
        .series.filter((s) => s.focus === true)
        .map((s) => s.label);
    await page.hover(`[data-testid=price-table] tr[data-generator="${generators[2]}"]`);
    assert.deepEqual(await focused(), [generators[2]]);
    await page.getByRole('button', { name: `Highlight ${generators[4]} in the price chart` }).click();
    await page.mouse.move(0, 0);
    assert.deepEqual(await focused(), [generators[4]]);
    assert.equal(
      await page
        .getByRole('button', { name: `Highlight ${generators[4]} in the price chart` })
        .getAttribute('aria-pressed'),
      'true',
    );
    await page.locator('[data-testid=price-table]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'market-charts.png') });
  });

  it('every page says it is loading until its first data arrives', async () => {
    // Each page loaded afresh (as a reader opening its address), with the node's answers held back.
    for (const path of ['network', 'market', 'bills', 'reputation', 'regulator']) {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      await page.goto('about:blank');
      await page.route('**/v1/**', async (route) => {
        await gate;
        await route.continue();
      });
      try {
        await page.goto(`${base}/dashboard/#/${path}`);
        const loading = page.locator(`[data-page="${path}"] [data-testid=loading]`);
        await loading.waitFor({ state: 'visible', timeout: 10_000 });
        assert.match((await loading.textContent()) ?? '', /^Loading .+ from the node…$/, path);
        assert.equal(await loading.getAttribute('role'), 'status');
        assert.equal(await page.getAttribute(`[data-page="${path}"]`, 'aria-busy'), 'true');
        await page.waitForTimeout(300); // still loading while the node has not answered
        assert.ok(await loading.isVisible(), `${path}: the placeholder stays until the data arrives`);
        assert.equal(await page.locator(`[data-page="${path}"] table`).count(), 0, path);
        release();
        await page.waitForSelector(`[data-page="${path}"][aria-busy="false"]`, { timeout: 60_000 });
        assert.equal(await loading.count(), 0, `${path}: the placeholder is gone once the data is in`);
        assert.ok((await page.locator(`[data-page="${path}"] table`).count()) > 0, path);
      } finally {
        release();
        await page.unrouteAll({ behavior: 'wait' });
      }
    }
  });

  it('fits a phone-width screen and logged no console error', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open('market');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(SHOTS, 'market-phone.png') });
    assert.deepEqual(problems, []);
  });

  // Last: it stops the network.
  it('when the node stops, a banner says the data is as of when it was last live and marks every table stale', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('market');
    const banner = page.getByTestId('connection');
    assert.equal(await banner.isVisible(), false);
    assert.equal(await page.locator('main table[data-stale]').count(), 0);
    const tables = await page.locator('main table:not(.u-legend)').count();
    assert.ok(tables >= 5);
    const stamp =
      /^Disconnected from the node — data as of (\d\d):(\d\d):(\d\d); the tables below are not live\. Reconnecting…$/;
    const checkStale = async (from: number, to: number) => {
      const text = (await banner.textContent()) ?? '';
      const m = stamp.exec(text);
      assert.ok(m !== null, text);
      assert.equal(await banner.getAttribute('role'), 'alert');
      // the stamp is a moment between the last live answer and the banner (seconds, local time)
      const at = new Date(from);
      at.setHours(Number(m[1]), Number(m[2]), Number(m[3]));
      assert.ok(
        at.getTime() >= from - 1_000 && at.getTime() <= to + 1_000,
        `${text} not in [${from}, ${to}]`,
      );
      assert.equal(await page.locator('main table[data-stale="true"]').count(), tables);
      assert.equal(await page.locator('main table.u-legend[data-stale]').count(), 0, 'legends are not data');
      const captions = await page.locator('main table:not(.u-legend) caption').allTextContents();
      assert.ok(
        captions.every((c) => c.endsWith(` — stale: as of ${m[1]}:${m[2]}:${m[3]}, not live`)),
        captions.join(' | '),
      );
      assert.equal(await page.getAttribute('main', 'aria-describedby'), 'connection');
    };

    // Frozen, the page's node keeps its socket open but answers nothing: the page notices by itself.
    const node = net.validators[0]!.process;
    const frozenAt = Date.now();
    node.kill('SIGSTOP');
    try {
      await banner.waitFor({ state: 'visible', timeout: 30_000 });
      await checkStale(frozenAt - 15_000, Date.now());
      await page.screenshot({ path: join(SHOTS, 'market-disconnected.png') });
    } finally {
      node.kill('SIGCONT');
    }
    // Back: the banner goes, the page reloads its data, nothing is marked stale.
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.waitForSelector('[data-page="market"][aria-busy="false"]', { timeout: 30_000 });
    assert.equal(await page.locator('main table[data-stale]').count(), 0);
    assert.equal(await page.locator('.stale-tag').count(), 0);

    // Stopped, every node's socket closes: the banner is up at once, as of the moment it went.
    const stoppedAt = Date.now();
    await net.stop();
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    await checkStale(stoppedAt - 1_000, Date.now());
    assert.equal(await page.getAttribute('.live', 'aria-label'), 'live updates disconnected');
  });
});
