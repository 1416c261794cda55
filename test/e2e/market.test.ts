/**
 * End to end with real processes: the case30 consortium on 4 validator processes runs a whole round
 * — registration, pseudonyms, offers, pseudonymous demand, clearing at the prices solved off chain
 * (one bill per buying consumer, one sale per generator), metering of bills and sales, private bill
 * confirmations, a dispute traced by the regulator, settlement, reputation — and every validator
 * ends with the same state root; what the API serves names consumers only by pseudonym and never
 * carries a confirmation's plaintext.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConsortiumDriver, consortiumMembers, localConsortium } from '../../src/client/localConsortium.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { openStore } from '../../src/ledger/store.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import { type LocalNetwork, launchNetwork } from '../../src/node/launcher.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';

const scenario = scenarioFromJson(
  JSON.parse(readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8')),
);
const get = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>;

describe('e2e: a market round on 4 validator processes', { timeout: 240_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-market-'));
    net = launchNetwork({
      validators: 4,
      dir,
      basePort: 7640,
      members: consortiumMembers(scenario),
      logTo: () => {},
    });
  });
  after(async () => {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trades, settles, traces a dispute, survives a validator killed mid-round, and every validator agrees', async () => {
    const group = await libsodiumGroup();
    const urls = net.validators.map((v) => v.apiUrl);
    await net.ready();
    const c = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      setupRegulator(group),
      net.network.memberKeys,
      urls,
    );
    // Validator 3 (aggregator A3's node, which its consumers use) is killed while demand comes in,
    // and restarted 1.5 s later: its consumers wait for it, and it must rejoin with the same state.
    let killed = false;
    // a gate closure wide enough for the killed validator's consumers to come back and demand
    const timing = {
      gateClosureMs: 12_000,
      deliveryLeadMs: 3_000,
      deliveryLengthMs: 1_000,
      responseWindowMs: 30_000,
      ackWindowMs: 8_000,
    };
    const driver = new ConsortiumDriver(c, timing, (message) => {
      if (killed || !message.includes('pseudonymous demand')) return;
      killed = true;
      net.validators[3]!.process.kill('SIGKILL');
      setTimeout(() => net.restart(3), 1_500);
    });
    await driver.setUp();
    const s = await driver.runRound(1n, true);
    assert.ok(killed, 'validator 3 was killed during the round');
    assert.ok(s.bills > 0 && s.certified);
    assert.ok(s.bills <= scenario.consumers.length, 'at most one bill per consumer');
    assert.equal(
      s.settled,
      s.bills,
      'every bill settled (the disputed one after the regulator’s resolution)',
    );
    assert.equal(s.disputes, 1);
    assert.ok(s.savingPpm > 0, 'consumers pay less than the catalog tariff');

    // Every validator reaches the same height with the same state root.
    const height = s.height;
    const roots = await Promise.all(
      urls.map(async (url) => {
        for (;;) {
          const b = await get(`${url}/v1/blocks/${height}`);
          if (typeof b.stateRoot === 'string') return b.stateRoot;
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
    assert.equal(new Set(roots).size, 1, `state roots differ: ${roots.join(', ')}`);

    // Privacy: the round, its bills and responses name consumers only by pseudonym, never by id or content.
    const round = JSON.stringify(await get(`${urls[1]}/v1/rounds/1`));
    const billsPage = await get(`${urls[2]}/v1/rounds/1/bills?limit=1000`);
    const bills = billsPage.bills as {
      consumer: string;
      response: string | null;
      generator: string;
      contractedWh: string;
    }[];
    assert.equal(billsPage.total, s.bills);
    assert.equal(new Set(bills.map((b) => b.consumer)).size, bills.length, 'one bill per pseudonym');
    const served = round + JSON.stringify(bills);
    for (const consumer of scenario.consumers)
      assert.ok(!served.includes(consumer.id), `${consumer.id} appears in the API`);
    for (const b of bills.filter((x) => x.response !== null)) {
      const r = JSON.stringify(await get(`${urls[3]}/v1/responses/${b.response}`));
      assert.ok(
        !r.includes('confirmed') &&
          !r.includes('looks too high') &&
          !scenario.consumers.some((x) => r.includes(x.id)),
      );
    }
    const traces = (await get(`${urls[0]}/v1/traces`)).traces as unknown[];
    assert.equal(traces.length, 1);

    // Reputations moved: every generator was scored for round 1, the same on every validator —
    // the restarted one included — and its history holds that step.
    for (const g of scenario.generators) {
      const views = await Promise.all(urls.map((u) => get(`${u}/v1/reputation/${g.id}`)));
      assert.equal(views[0]!.lastRound, '1', `${g.id} was scored`);
      for (const v of views) assert.deepEqual(v, views[0]);
      const histories = await Promise.all(urls.map((u) => get(`${u}/v1/reputation/${g.id}/history`)));
      const points = histories[0]!.points as { round: string; reputationPpm: number }[];
      assert.deepEqual(
        points.map((p) => [p.round, p.reputationPpm]),
        [['1', views[0]!.reputationPpm]],
      );
      for (const h of histories) assert.deepEqual(h, histories[0]);
    }

    // One sale per generator, metered and paid: what the bills bought is what the sales sold.
    const sales = (await get(`${urls[1]}/v1/rounds/1/sales`)).sales as {
      generator: string;
      soldWh: string;
      status: string;
      energyMicroYuan: string;
      penaltyMicroYuan: string;
    }[];
    assert.deepEqual(
      sales.map((x) => x.generator),
      scenario.generators.map((g) => g.id).sort(),
    );
    assert.ok(
      sales.every((x) => x.status === 'settled' || x.soldWh === '0'),
      'every generator that sold was metered and paid',
    );
    assert.ok(sales.some((x) => x.status === 'settled'));
    assert.equal(
      sales.reduce((sum, x) => sum + BigInt(x.soldWh), 0n),
      bills.reduce((sum, b) => sum + BigInt(b.contractedWh), 0n),
    );

    // Balances move money only between the consumers' pseudonyms, the grid company and the
    // generators (each paid its sale's energy − penalty), and sum to zero.
    const balance = async (a: string) =>
      BigInt((await get(`${urls[0]}/v1/balances/${a}`)).microYuan as string);
    for (const x of sales)
      assert.equal(
        await balance(x.generator),
        BigInt(x.energyMicroYuan) - BigInt(x.penaltyMicroYuan),
        x.generator,
      );
    const accounts = new Set([
      'grid',
      ...sales.map((x) => x.generator),
      ...bills.map((b) => `p:${b.consumer}`),
    ]);
    let sum = 0n;
    for (const a of accounts) sum += await balance(a);
    assert.equal(sum, 0n);
  });

  it('no validator stores a consumer’s identity beside its pseudonym, or a confirmation’s plaintext', async () => {
    await net.stop();
    const secrets = [...scenario.consumers.map((c) => c.id), 'confirmed', 'looks too high'];
    const leaks = (bytes: Uint8Array) => {
      const text = Buffer.from(bytes).toString('latin1');
      return secrets.filter((s) => text.includes(s));
    };
    for (const v of net.validators) {
      const store = await openStore(join(dir, `data-${v.index}`));
      try {
        // State: the genesis member list names every member (that is public); nothing else may.
        for await (const [key, value] of store.stateEntries()) {
          const prefix = Buffer.from(key).toString('latin1').split('/')[0];
          if (prefix === 'member' || prefix === 'orgkey') continue;
          assert.deepEqual(leaks(value), [], `validator ${v.index}: state ${prefix}/… leaks`);
          assert.deepEqual(leaks(key), [], `validator ${v.index}: a state key leaks`);
        }
        // Blocks: every transaction of the round, as stored.
        const head = store.head()!.height;
        for (let h = 1n; h <= head; h++) {
          const block = (await store.getBlock(h))!;
          for (const tx of block.txs)
            assert.deepEqual(leaks(tx), [], `validator ${v.index}: a transaction at ${h} leaks`);
        }
      } finally {
        await store.close();
      }
    }
  });
});
