/**
 * The dashboard's bills page in chromium (playwright-core) against a small consortium — one
 * validator process, 2 generators and 3 consumers of case30 behind one aggregator, two rounds run by
 * the local driver, the demo's key stores:
 * - every bill shows the generator it is addressed to, its suppliers, its energy part and average
 *   price as the API's bill gives them, and its parts (energy, T&D, government funds, deviation
 *   penalty) and its total under the labels the CLI prints (contracts/billAmount.ts), equal to the
 *   API's `amount`;
 * - a bill not metered yet says so instead of "0.00";
 * - the bills come a page at a time (a page of one bill, by asking the node for pages of one, is
 *   stepped through with the pager) and the status filter is the node's;
 * - a signed-in consumer sees what it owes and paid over its pseudonyms of both rounds — paid equal
 *   to what left those pseudonyms' accounts — and its own bill responses are marked;
 * - a signed-in generator filters to its own bills and responses, and at 1366 px its decrypted
 *   responses stay on the page (no table scrolls sideways).
 * A bill's state other than the chain's (not metered, unpaid) is shown by answering the page's
 * requests for a round's bills with re-encoded records (playwright's request routing).
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
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { BILL_PARTS, billAmount, billAmountJson } from '../../src/contracts/billAmount.ts';
import { toJson } from '../../src/contracts/queries.ts';
import { type BillRecord, billRecord } from '../../src/contracts/records.ts';
import { decodeScalar, type Group } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import type { Scenario } from '../../src/market/types.ts';
import { type LocalNetwork, launchNetwork } from '../../src/node/launcher.ts';
import { freeBasePort } from '../ports.ts';
import { ensureChromium, launchChromium } from './chromium.ts';

// The DOM globals the page functions below use (they run in the browser, not here).
declare const document: {
  querySelectorAll(s: string): ArrayLike<{
    scrollWidth: number;
    clientWidth: number;
    textContent: string | null;
    setAttribute(name: string, value: string): void;
  }>;
  documentElement: { scrollWidth: number; clientWidth: number };
};

const SHOTS = resolve(import.meta.dirname, '../../test-results/dashboard');
const WIDTH = 1366;

/** case30's first two generators and its first three consumers (all behind aggregator-a1). */
function smallScenario(): Scenario {
  const s = scenarioFromJson(
    JSON.parse(readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8')),
  );
  return { ...s, generators: s.generators.slice(0, 2), consumers: s.consumers.slice(0, 3) };
}

interface BillJson {
  index: number;
  generator: string;
  suppliers: number;
  consumer: string;
  contractedWh: string;
  contractedMicroYuan: string;
  status: string;
  amount: Record<string, string | boolean>;
  record: string;
  [k: string]: unknown;
}
interface ResponseJson {
  id: string;
  generator: string;
  bill: number | null;
}

describe('dashboard bills page: one bill amount, owed and paid, filters, 1366 px', {
  timeout: 240_000,
}, () => {
  const scenario = smallScenario();
  const consumer = scenario.consumers[0]!.id;
  let dir: string;
  let net: LocalNetwork;
  let browser: Browser;
  let page: Page;
  let base: string;
  let group: Group;
  const problems: string[] = [];
  const get = async <T>(path: string) => (await fetch(`${base}${path}`)).json() as Promise<T>;

  before(async () => {
    ensureChromium();
    await ensureDashboard();
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'dpp-dashboard-bills-'));
    group = await libsodiumGroup();
    const regulator = demoRegulator(group);
    let stores: DemoKeyStores | undefined;
    net = launchNetwork({
      validators: 1,
      dir,
      basePort: await freeBasePort(9_100, 100, 8),
      members: consortiumMembers(scenario),
      logTo: () => {},
      beforeStart: (network, at) => {
        stores = DemoKeyStores.create(at, network, regulator);
      },
      regulatorKeyStore: { path: DEMO_REGULATOR_KEY_STORE, insecure: true },
    });
    base = net.validators[0]!.apiUrl;
    await net.ready();
    const c = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      regulator,
      net.network.memberKeys,
      [base],
    );
    const driver = new ConsortiumDriver(
      c,
      {
        gateClosureMs: 4_000,
        deliveryLeadMs: 2_000,
        deliveryLengthMs: 300,
        responseWindowMs: 8_000,
        ackWindowMs: 2_000,
      },
      () => {},
      (member, entry) => stores?.add(member, entry),
    );
    await driver.setUp();
    await driver.runRound(1n, false);
    await driver.runRound(2n, false);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    page.setDefaultTimeout(20_000);
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

  /** Shows round `round`'s bills, and waits until the page has drawn them anew (not what it showed before). */
  async function showRound(round: number): Promise<void> {
    await page.goto(`${base}/dashboard/#/bills`);
    await page.waitForSelector('[data-page="bills"][aria-busy="false"]', { timeout: 60_000 });
    await page.evaluate(() => {
      for (const t of Array.from(document.querySelectorAll('table'))) t.setAttribute('data-old', '');
    });
    await page.selectOption('#round-select', String(round));
    // the responses' table is drawn last
    await page.waitForSelector('[data-testid=responses]:not([data-old]) tbody tr');
    await page.waitForSelector(`h2:has-text("Bills of round ${round}")`);
  }

  async function signIn(member: string): Promise<void> {
    await page.goto(`${base}/dashboard/#/bills`);
    if ((await page.locator('[data-testid=signed-in]').count()) > 0)
      await page.getByRole('button', { name: 'Sign out' }).click();
    await page.setInputFiles('#key-file', join(dir, 'keys', `${member}.json`));
    await page.check('#key-insecure');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector(`[data-testid=signed-in]:has-text("${member}")`, { timeout: 20_000 });
  }

  /** Answers the page's GETs of round `round`'s bills (any page, any filter) with `change` applied to the chain's. */
  async function rewriteBills(round: number, change: (b: BillRecord) => BillRecord): Promise<void> {
    await page.route(new RegExp(`/v1/rounds/${round}/bills(\\?|$)`), async (route) => {
      const real = (await (await route.fetch()).json()) as { bills: BillJson[]; total: number };
      // as the node would answer for the changed record (src/api/routes/market.ts)
      const bills = real.bills.map((b) => {
        const record = change(billRecord.decode(fromHex(b.record), group));
        return {
          ...(toJson(record) as object),
          amount: billAmountJson(billAmount(record)),
          record: toHex(billRecord.encode(record)),
        };
      });
      await route.fulfill({ json: { ...real, bills } });
    });
  }

  /** The pseudonym public keys (hex) in `member`'s demo key store, by round. */
  function pseudonymsOf(member: string): Map<number, string> {
    const store = JSON.parse(readFileSync(join(dir, 'keys', `${member}.json`), 'utf8')) as {
      entries: { name: string; bytes: string }[];
    };
    return new Map(
      store.entries.flatMap((e) => {
        const m = /^pseudonym-r(\d+)$/.exec(e.name);
        return m === null ? [] : [[Number(m[1]), toHex(group.mulBase(decodeScalar(fromHex(e.bytes))))]];
      }),
    );
  }

  it('every bill shows whom it is addressed to, its energy part and average price, and energy, T&D, government funds, deviation penalty and total, as the API and the CLI', async () => {
    await showRound(1);
    const headers = await page.$$eval('[data-testid=bills] thead th', (ths) => ths.map((t) => t.textContent));
    for (const label of [
      'addressed to',
      'contracted',
      'energy part',
      'consumed',
      ...BILL_PARTS.map((p) => p.label),
    ])
      assert.ok(headers.includes(label), `a column "${label}": ${headers.join(' | ')}`);
    const { bills } = await get<{ bills: BillJson[] }>('/v1/rounds/1/bills');
    const shown = await page.$$eval('[data-testid=bills] tbody tr', (rows) =>
      rows.map((r) => ({
        bill: r.getAttribute('data-bill'),
        generator: r.getAttribute('data-generator'),
        suppliers: r.getAttribute('data-suppliers'),
        text: r.textContent,
        contracted: r
          .querySelector('[data-contracted-micro-yuan]')
          ?.getAttribute('data-contracted-micro-yuan'),
        parts: Object.fromEntries(
          [...r.querySelectorAll('[data-part]')].map((c) => [
            c.getAttribute('data-part'),
            { micro: c.getAttribute('data-micro-yuan'), text: c.textContent },
          ]),
        ),
      })),
    );
    assert.equal(shown.length, bills.length);
    for (const b of bills) {
      const row = shown.find((r) => r.bill === String(b.index));
      assert.ok(row !== undefined, `bill ${b.index} shown`);
      assert.deepEqual(
        [row.generator, row.suppliers, row.contracted],
        [b.generator, String(b.suppliers), b.contractedMicroYuan],
        `bill ${b.index}: addressed to, suppliers, energy part`,
      );
      assert.ok(
        row.text?.includes(b.suppliers === 1 ? 'its only supplier' : `one of ${b.suppliers} suppliers`),
        `bill ${b.index}: ${row.text}`,
      );
      const average = ((1000 * Number(b.contractedMicroYuan)) / Number(b.contractedWh) / 1e6).toFixed(4);
      assert.ok(
        row.text?.includes(`average ${average} ¥/kWh`),
        `bill ${b.index}: average ${average} in ${row.text}`,
      );
      let sum = 0n;
      for (const p of BILL_PARTS) {
        const cell: { micro: string | null; text: string | null } | undefined = row.parts[p.key];
        assert.equal(cell?.micro, b.amount[p.key], `bill ${b.index}: ${p.label}`);
        const yuan = (Number(b.amount[p.key]) / 1e6).toLocaleString('en', {
          minimumFractionDigits: 2,
          maximumFractionDigits: 2,
        });
        assert.ok(cell?.text?.includes(yuan), `bill ${b.index}: ${p.label} reads ${cell?.text}, not ${yuan}`);
        if (p.key !== 'totalMicroYuan') sum += BigInt(cell!.micro!);
      }
      assert.equal(
        BigInt(row.parts.totalMicroYuan!.micro!),
        sum,
        `bill ${b.index}: the parts add up to the total`,
      );
    }
    await page.screenshot({ path: join(SHOTS, 'bills-amounts.png') });
  });

  it('a bill not metered yet reads "not metered yet", not 0.00', async () => {
    await rewriteBills(1, (b) =>
      b.index === 0
        ? {
            ...b,
            status: 'contracted',
            meter: null,
            billedWh: 0n,
            energyMicroYuan: 0n,
            transmissionMicroYuan: 0n,
            fundsMicroYuan: 0n,
            consumerPenaltyMicroYuan: 0n,
            respondedAtMs: null,
            response: null,
          }
        : b,
    );
    try {
      await showRound(1);
      const row = page.locator('[data-testid=bills] tbody tr[data-bill="0"]');
      assert.match((await row.textContent()) ?? '', /not metered yet/);
      assert.doesNotMatch((await row.textContent()) ?? '', /0\.00/);
      assert.equal(await page.locator('[data-testid=bills] tbody tr:has-text("not metered yet")').count(), 1);
    } finally {
      await page.unrouteAll();
    }
  });

  it('bills come a page at a time, and the status filter is the node’s', async () => {
    const { bills, total } = await get<{ bills: BillJson[]; total: number }>('/v1/rounds/1/bills');
    assert.ok(total >= 2, `a round of ${total} bills`);
    // The page asks the node for pages of 1 instead of 50: the pager steps through every bill.
    const asked: string[] = [];
    await page.route(/\/v1\/rounds\/1\/bills\?/, async (route) => {
      const url = new URL(route.request().url());
      asked.push(url.search);
      if (url.searchParams.get('limit') === '50') url.searchParams.set('limit', '1');
      await route.continue({ url: url.toString() });
    });
    try {
      await showRound(1);
      const pagerText = () => page.textContent('[data-testid=bills-pager] span');
      const shownBill = () => page.getAttribute('[data-testid=bills] tbody tr', 'data-bill');
      assert.equal(await pagerText(), `Bills 1–1 of ${total}`);
      assert.equal(await page.locator('[data-testid=bills] tbody tr').count(), 1);
      assert.equal(await shownBill(), String(bills[0]!.index));
      assert.ok(await page.getByRole('button', { name: 'Previous page of bills' }).isDisabled());
      for (let i = 1; i < total; i++) {
        await page.getByRole('button', { name: 'Next page of bills' }).click();
        await page.waitForFunction(
          (n) =>
            document
              .querySelectorAll('[data-testid=bills-pager] span')[0]
              ?.textContent?.startsWith(`Bills ${n}–`),
          i + 1,
        );
        assert.equal(await shownBill(), String(bills[i]!.index));
      }
      assert.ok(await page.getByRole('button', { name: 'Next page of bills' }).isDisabled());
      await page.getByRole('button', { name: 'First page of bills' }).click();
      await page.waitForFunction(() =>
        document.querySelectorAll('[data-testid=bills-pager] span')[0]?.textContent?.startsWith('Bills 1–'),
      );
      // every request was one page, never the whole list
      assert.ok(
        asked.every((q) => /[?&]limit=(1|50)(&|$)/.test(q)),
        asked.join(' '),
      );
    } finally {
      await page.unrouteAll({ behavior: 'wait' });
    }

    // Filtered by status on the node: as many as the node counts, each of that status.
    await showRound(1);
    for (const status of ['issued', 'settled']) {
      const { total: n } = await get<{ total: number }>(`/v1/rounds/1/bills?status=${status}`);
      await page.selectOption('#status-select', status);
      await page.waitForFunction(
        (text) => document.querySelectorAll('[data-testid=bills-pager] span')[0]?.textContent === text,
        n === 0 ? 'No bills' : `Bills 1–${Math.min(n, 50)} of ${n}`,
      );
      const statuses = await page.$$eval('[data-testid=bills] tbody tr td:last-child', (tds) =>
        tds.map((t) => t.textContent),
      );
      assert.equal(statuses.length, Math.min(n, 50));
      assert.ok(
        statuses.every((x) => x === status),
        statuses.join(' '),
      );
      if (n > 0)
        assert.match(
          (await page.textContent('[data-testid=bill-counts]')) ?? '',
          new RegExp(`${n} ${status}`),
        );
    }
  });

  it('a signed-in consumer sees what it owes and paid over its pseudonyms, and its own responses marked', async () => {
    const mine = pseudonymsOf(consumer);
    assert.deepEqual([...mine.keys()].sort(), [1, 2]);
    let paid = 0n;
    for (const y of mine.values())
      paid -= BigInt((await get<{ microYuan: string }>(`/v1/balances/p:${y}`)).microYuan);
    assert.ok(paid > 0n, 'the consumer paid under its pseudonyms');
    await signIn(consumer);
    await showRound(2);
    const statement = page.locator('[data-testid=statement]');
    await statement.waitFor();
    const read = () =>
      statement.evaluate((e) => ({
        pseudonyms: e.getAttribute('data-pseudonyms'),
        owed: e.getAttribute('data-owed-micro-yuan'),
        paid: e.getAttribute('data-paid-micro-yuan'),
      }));
    assert.deepEqual(await read(), { pseudonyms: '2', owed: '0', paid: paid.toString() });
    assert.match((await statement.textContent()) ?? '', /Over your 2 one-time pseudonyms \(rounds 1, 2\)/);

    // Its own responses are marked: each acknowledged one names one of its bills.
    const bills = (await get<{ bills: BillJson[] }>('/v1/rounds/2/bills')).bills;
    const own = new Set(bills.filter((b) => b.consumer === mine.get(2)).map((b) => b.index));
    const responses = (await get<{ responses: ResponseJson[] }>('/v1/rounds/2/responses')).responses;
    const ownResponses = responses.filter((r) => r.bill !== null && own.has(r.bill));
    assert.ok(ownResponses.length > 0);
    assert.equal(await page.locator('[data-testid=my-response]').count(), ownResponses.length);
    const marked = await page.$$eval(
      '[data-testid=responses] tbody tr:has([data-testid=my-response])',
      (rows) => rows.map((r) => r.getAttribute('data-response')),
    );
    assert.deepEqual(marked.sort(), ownResponses.map((r) => r.id).sort());
    await page.screenshot({ path: join(SHOTS, 'bills-consumer-statement.png'), fullPage: true });

    // One of its bills still unpaid: it owes that bill's total, and paid that much less.
    const unpaid = bills.find((b) => b.consumer === mine.get(2))!;
    await rewriteBills(2, (b) => (b.index === unpaid.index ? { ...b, status: 'issued' } : b));
    try {
      await showRound(2);
      await statement.waitFor();
      const total = BigInt(unpaid.amount.totalMicroYuan as string);
      assert.deepEqual(await read(), {
        pseudonyms: '2',
        owed: total.toString(),
        paid: (paid - total).toString(),
      });
    } finally {
      await page.unrouteAll();
    }
  });

  it('a signed-in generator filters to the bills addressed to it, and its decrypted responses fit 1366 px', async () => {
    const { bills } = await get<{ bills: BillJson[] }>('/v1/rounds/1/bills');
    // the generator most bills are addressed to (each bill is addressed to one of its suppliers)
    const generator = scenario.generators
      .map((g) => g.id)
      .sort(
        (a, b) =>
          bills.filter((x) => x.generator === b).length - bills.filter((x) => x.generator === a).length,
      )[0]!;
    await signIn(generator);
    await showRound(1);
    await page.waitForSelector('[data-testid=decrypted]', { timeout: 30_000 });
    const responses = (await get<{ responses: ResponseJson[] }>('/v1/rounds/1/responses')).responses;
    const sales = bills.filter((b) => b.generator === generator).length;
    const addressed = responses.filter((r) => r.generator === generator).length;
    assert.ok(sales > 0 && addressed > 0);
    await page.check('#only-mine');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=bills] tbody tr').length === n,
      sales,
    );
    const generators = await page.$$eval('[data-testid=bills] tbody tr', (rows) =>
      rows.map((r) => r.getAttribute('data-generator')),
    );
    assert.deepEqual(new Set(generators), new Set([generator]));
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=responses] tbody tr').length === n,
      addressed,
    );
    assert.equal(await page.locator('[data-testid=decrypted]').count(), addressed);

    // Nothing runs off the page: no table scrolls sideways and the page does not either.
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      tables: [...Array.from(document.querySelectorAll('.table-wrap'))].map(
        (w) => w.scrollWidth - w.clientWidth,
      ),
    }));
    assert.equal(overflow.page, 0, 'the page does not scroll sideways');
    assert.deepEqual(
      overflow.tables.filter((d) => d > 0),
      [],
      'no table scrolls sideways',
    );
    for (const box of await page
      .locator('[data-testid=decrypted]')
      .evaluateAll((els) => els.map((e) => e.closest('td')!.getBoundingClientRect().right)))
      assert.ok(box <= WIDTH, `a decrypted response ends at ${box} px`);
    await page.screenshot({ path: join(SHOTS, 'bills-generator-1366.png'), fullPage: true });
  });

  it('no console errors', () => {
    assert.deepEqual(problems, []);
  });
});
