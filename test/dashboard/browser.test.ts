/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a local
 * case30 consortium on 4 validator processes driven by the local driver, with the demo's key stores
 * written as `npm start` writes them. It checks that the pages render real chain data (a round's
 * clearing prices on the page equal the API's), that the live view advances when a block commits,
 * that a Merkle proof verifies in the browser, that a signed-in generator reads a decrypted
 * confirmation while the public view does not, that a signed-in consumer sees its own pseudonyms'
 * bills, that a trace requested as the trading centre appears in the audit log, that the market page
 * fits a phone-width screen, and that no page logs a console error. Screenshots of every page go to
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
  querySelectorAll(s: string): { length: number };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };

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
    const driver = new ConsortiumDriver(
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
    // the consumers' cost under every trading mode, settled by the node from the round on chain
    const modes = await page.$$eval('[data-testid=modes] tbody tr', (rows) => rows.length);
    assert.equal(modes, 4);
    await page.screenshot({ path: join(SHOTS, 'market.png') });
  });

  it('the network page advances live when a block commits, and a transaction’s Merkle proof verifies in the browser', async () => {
    await open('network');
    assert.equal(await page.locator('[data-testid=validators] tbody tr').count(), 4);
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

  it('fits a phone-width screen and logged no console error', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open('market');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(SHOTS, 'market-phone.png') });
    assert.deepEqual(problems, []);
  });
});
