/**
 * The `dpp` participant commands as a user runs them: real processes (`node bin/dpp.mjs …`), a
 * real four-validator network started in the background by `dpp network up`, encrypted key stores
 * opened with DPP_PASSPHRASE, and `--json` output asserted. One round goes open → (a member
 * suspended and reinstated) → offer → demand → close → the round's lists in windows (bills by
 * --limit/--offset and filtered by status, generator and aggregator; demands) → meter the
 * consumers and the generators → confirm/dispute → inbox → acknowledge all but one → escalate it →
 * trace → resolve both → finalize → revoke a pseudonym; mistakes
 * (unknown member, wrong role, bad numbers, missing key store, wrong passphrase) give a one-line
 * error with a hint, exit code 1, no stack trace, and leave the chain as it was.
 * Ports: 8 free consecutive ones from 7800–8799 (a random start, so two runs of this file at once,
 * e.g. two `npm test` in one working tree, do not collide).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConsortiumFile } from '../../src/client/consortiumFile.ts';
import { parseGenesis } from '../../src/ledger/genesis.ts';
import { runDpp } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpp-cli-'));
const PASS = 'correct horse battery';

function dpp(args: string[], env: Record<string, string> = {}) {
  const r = runDpp([...args, '--dir', dir], { timeoutMs: 180_000, env: { DPP_PASSPHRASE: PASS, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed and returns its JSON. */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
function ok(...args: string[]): any {
  const r = dpp([...args, '--json']);
  assert.equal(r.status, 0, `dpp ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

/** Runs a command that must fail as a user mistake: exit 1, a message and a hint, no stack trace. */
function refused(args: string[], message: RegExp, env: Record<string, string> = {}): void {
  const r = dpp(args, env);
  assert.equal(r.status, 1, `dpp ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 2, `a message and a hint, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

describe('dpp participant commands on a real local network', () => {
  before(async () => {
    const init = ok('init', '--scenario', 'case30', '--base-port', String(await freeBasePort(7_800, 125, 8)));
    assert.equal(init.validators.length, 4);
  });

  after(() => {
    dpp(['network', 'down']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('init writes a valid genesis, configs and encrypted key stores, and refuses to overwrite', () => {
    const file = readConsortiumFile(join(dir, 'consortium.json'));
    assert.equal(file.members.length, 30);
    assert.equal(file.insecure, false);
    const genesis = parseGenesis(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    assert.equal(genesis.validators.length, 4);
    assert.deepEqual(
      genesis.members.map((m) => m.id),
      file.members.map((m) => m.id),
    );
    for (const m of file.members) {
      const store = JSON.parse(readFileSync(join(dir, m.keyStore), 'utf8'));
      assert.equal(store.kdf, 'scrypt');
      assert.equal(store.metadata.memberId, m.id);
      assert.equal(store.entries, undefined, 'no entries in the clear');
    }
    assert.ok(!existsSync(join(dir, 'member-trading-centre.key.json')), 'no plaintext member keys');
    refused(['init'], /already holds a consortium/);
  });

  it('runs a round end to end through the CLI', async () => {
    refused(
      ['network', 'up', '--validators', '7'],
      /holds a consortium: its validators and ports were set by/,
    );
    const up = ok('network', 'up');
    assert.equal(up.validators.length, 4);
    // The trading centre's validator opened its encrypted key store at start-up (it traces for the
    // regulator); no other validator's configuration names one.
    const configs = [0, 1, 2, 3].map((i) =>
      JSON.parse(readFileSync(join(dir, `validator-${i}.config.json`), 'utf8')),
    );
    assert.deepEqual(
      configs.map((c) => c.regulatorKeyStore?.path ?? null),
      ['keys/trading-centre.json', null, null, null],
    );
    assert.match(readFileSync(join(dir, 'logs', 'validator-0.log'), 'utf8'), /"regulator":true/);
    refused(['round', 'offer', '--as', 'g1.bus1'], /no round has been opened yet/);

    // Gate closure covers the steps below up to `round close` (which waits for it); the close must
    // commit within --delivery-start of it, or the round is cancelled.
    const opened = ok(
      'round',
      'open',
      '--gate-closure',
      '90s',
      '--delivery-start',
      '30s',
      '--delivery-length',
      '1s',
      // generous: under a loaded \`npm test\` each CLI step is a fresh process taking seconds
      '--response-window',
      '90s',
      '--ack-window',
      '2s',
    );
    assert.equal(opened.round, '1');
    assert.deepEqual(
      opened.receipts.map((r: { kind: string }) => r.kind),
      ['regulator.setup', 'round.open'],
    );
    assert.ok(opened.receipts.every((r: { certified: boolean }) => r.certified));

    // Mistakes: each refused before anything is signed, and the round is unchanged.
    refused(['round', 'close'], /wrong passphrase for trading-centre/, { DPP_PASSPHRASE: 'not the one' });
    refused(['round', 'offer', '--as', 'nobody'], /no member "nobody"/);
    refused(['round', 'offer', '--as', 'c.bus002'], /c\.bus002 is a consumer; only a generator may offer/);
    refused(['round', 'offer', '--as', 'g1.bus1', '--capacity-mwh', '12,5'], /--capacity-mwh must be/);
    refused(['round', 'demand', '--as', 'c.bus002', '--round', 'x'], /a round is a whole number/);
    refused(['round', 'open', '--ack-window', 'soon'], /--ack-window must be a duration/);
    const store = join(dir, 'keys', 'g3.bus22.json');
    renameSync(store, `${store}.away`);
    refused(['round', 'offer', '--as', 'g3.bus22'], /cannot read g3\.bus22's key store/);
    renameSync(`${store}.away`, store);
    // A suspended member's transactions are refused until the trading centre reinstates it.
    assert.equal(ok('member', 'suspend', 'g3.bus22').suspended, true);
    refused(['member', 'suspend', 'g3.bus22'], /g3\.bus22 is already suspended/);
    refused(
      ['round', 'offer', '--as', 'g3.bus22'],
      /member g3\.bus22 is suspended \[LEDGER_UNAUTHORISED\]\n.*dpp members/,
    );
    const listed = ok('members').members as { id: string; suspended: boolean }[];
    assert.deepEqual(
      listed.filter((m) => m.suspended).map((m) => m.id),
      ['g3.bus22'],
    );
    assert.equal(ok('member', 'reinstate', 'g3.bus22').suspended, false);
    refused(['member', 'suspend', 'trading-centre'], /the trading centre cannot be suspended/);
    const still = ok('round', 'show');
    assert.equal(still.phase, 'open');
    assert.equal(still.offers, 0);

    for (const g of ['g1.bus1', 'g2.bus2']) {
      const offer = ok('round', 'offer', '--as', g);
      assert.equal(offer.receipts.at(-1).kind, 'market.offer');
    }
    const pseudonyms = new Map<string, string>();
    for (const c of ['c.bus002', 'c.bus003']) {
      const demand = ok('round', 'demand', '--as', c);
      assert.deepEqual(
        demand.receipts.map((r: { kind: string }) => r.kind),
        ['pseudonym.register', 'market.demand'],
      );
      pseudonyms.set(c, demand.pseudonym);
    }
    const closed = ok('round', 'close');
    assert.equal(closed.phase, 'cleared');
    assert.equal(closed.demands, 2);
    assert.equal(closed.bills, 2, 'one bill per consumer buying directly');
    assert.ok(closed.savingPpm > 0, 'consumers save against the catalog tariff');
    assert.deepEqual(
      closed.sales.map((x: { generator: string; status: string }) => [x.generator, x.status]),
      [
        ['g1.bus1', 'contracted'],
        ['g2.bus2', 'contracted'],
      ],
    );
    // Before metering a bill has no amount, and says so.
    const unmetered = dpp(['bill', 'show']);
    assert.equal(unmetered.status, 0, unmetered.stderr);
    assert.match(unmetered.stdout, /^round 1: 2 bills$/m);
    assert.match(unmetered.stdout, /not metered yet/);
    assert.match(unmetered.stdout, /addressed to g[12]\.bus[12], (one of its 2 suppliers|its only supplier)/);
    assert.match(unmetered.stdout, /energy part [\d,.]+ ¥ \(average 0\.\d{4} ¥\/kWh\)/);
    assert.doesNotMatch(unmetered.stdout, /billed 0\.000 MWh/);

    // The round's lists in windows, filtered on the node.
    const all = ok('bill', 'show');
    assert.deepEqual([all.total, all.offset, all.limit, all.bills.length], [2, 0, 20, 2]);
    for (const b of all.bills) {
      assert.equal(
        BigInt(b.averagePriceMicroYuanPerKWh),
        (BigInt(b.contractedMicroYuan) * 1000n + BigInt(b.contractedWh) / 2n) / BigInt(b.contractedWh),
      );
      assert.ok(b.suppliers >= 1);
    }
    const second = ok('bill', 'show', '--limit', '1', '--offset', '1');
    assert.deepEqual([second.total, second.bills.length, second.bills[0].index], [2, 1, all.bills[1].index]);
    const firstText = dpp(['bill', 'show', '--limit', '1']).stdout;
    assert.match(firstText, /^round 1: bills 1–1 of 2 \(next: --offset 1\)$/m);
    assert.equal(firstText.match(/^ {2}#\d+/gm)?.length, 1, firstText);
    assert.equal(ok('bill', 'show', '--offset', '5').bills.length, 0);
    assert.equal(ok('bill', 'show', '--status', 'contracted').total, 2);
    assert.equal(ok('bill', 'show', '--status', 'issued').total, 0);
    assert.equal(ok('bill', 'show', '--aggregator', 'aggregator-a1').total, 2);
    assert.equal(ok('bill', 'show', '--aggregator', 'aggregator-a2').total, 0);
    const addressed = all.bills[0].generator as string;
    const toIt = ok('bill', 'show', '--generator', addressed);
    assert.ok(toIt.total >= 1 && toIt.bills.every((b: { generator: string }) => b.generator === addressed));
    assert.match(
      dpp(['bill', 'show', '--generator', addressed]).stdout,
      new RegExp(
        `^round 1 · addressed to ${addressed.replace('.', '\\.')}: \\d bills?; 2 bills in the round$`,
        'm',
      ),
    );
    refused(
      ['bill', 'show', '--generator', 'c.bus002'],
      /--generator takes a generator; c\.bus002 is a consumer/,
    );
    refused(['bill', 'show', '--as', 'g1.bus1'], /g1\.bus1 is a generator; --as picks a consumer/);
    const demands = ok('round', 'demands', '--limit', '1');
    assert.deepEqual([demands.total, demands.demands.length], [2, 1]);
    assert.equal(demands.demands[0].pseudonym, pseudonyms.get('c.bus002'));
    assert.equal(ok('round', 'demands', '--offset', '1').demands[0].pseudonym, pseudonyms.get('c.bus003'));

    refused(['meter', 'generation'], /give --delivered <generator>=<Wh>,… and\/or --as-sold/);
    refused(['meter', 'generation', '--delivered', 'g3.bus22=5'], /g3\.bus22 did not offer in round 1/);
    const metered = ok('meter', 'submit', '--as', 'aggregator-a1', '--as-contracted', '--wait');
    assert.equal(metered.readings.length, closed.bills);
    assert.equal(ok('bill', 'show', '--status', 'issued').total, 2);
    refused(
      ['meter', 'submit', '--as', 'aggregator-a1', '--as-contracted'],
      /no unmetered bills of aggregator-a1/,
    );
    // The trading centre meters the generators: one as given, the other as sold; each sale is paid.
    const sold = BigInt(closed.sales[0].soldWh);
    const generation = ok('meter', 'generation', '--delivered', `g1.bus1=${sold - 1000n}`, '--as-sold');
    assert.deepEqual(
      generation.readings.map((r: { generator: string; deliveredWh: string }) => [
        r.generator,
        r.deliveredWh,
      ]),
      [
        ['g1.bus1', (sold - 1000n).toString()],
        ['g2.bus2', closed.sales[1].soldWh],
      ],
    );
    refused(['meter', 'generation', '--as-sold'], /every sale of round 1 is metered already/);
    const shown = ok('round', 'show');
    assert.deepEqual(shown.billsByStatus, { issued: 2 });
    assert.ok(shown.sales.every((x: { status: string }) => x.status === 'settled'));
    assert.match(
      dpp(['round', 'show']).stdout,
      /g1\.bus1 +0\.\d{4} ¥\/kWh · sold [\d.]+ MWh to \d consumers? · settled: delivered/,
    );
    // Metered: each bill's parts add up to its total, and the consumer owes its bills' totals.
    const owing = ok('bill', 'show', '--as', 'c.bus002');
    let owed = 0n;
    for (const { amount: a } of owing.bills as { amount: Record<string, string | boolean> }[]) {
      assert.equal(a.metered, true);
      const parts = ['energyMicroYuan', 'transmissionMicroYuan', 'fundsMicroYuan', 'penaltyMicroYuan'];
      assert.equal(
        BigInt(a.totalMicroYuan as string),
        parts.reduce((t, k) => t + BigInt(a[k] as string), 0n),
      );
      owed += BigInt(a.totalMicroYuan as string);
    }
    assert.ok(owed > 0n);
    assert.deepEqual(
      [owing.statement.owedMicroYuan, owing.statement.paidMicroYuan, owing.statement.pseudonyms],
      [owed.toString(), '0', 1],
    );
    const owingText = dpp(['bill', 'show', '--as', 'c.bus002']).stdout;
    assert.match(
      owingText,
      /energy [\d,.]+ ¥ \+ T&D [\d,.]+ ¥ \+ government funds [\d,.]+ ¥ \+ deviation penalty [\d,.]+ ¥ = total [\d,.]+ ¥/,
    );
    assert.match(
      owingText,
      /c\.bus002 over its 1 pseudonym: owes [\d,.]+ ¥ \(\d+ bills? issued or overdue, unpaid\) · paid 0\.00 ¥/,
    );

    // Each consumer sees only its own bill, and answers it privately.
    const responses: string[] = [];
    let disputed: { round: string; bill: number; response: string } | undefined;
    for (const c of ['c.bus002', 'c.bus003']) {
      const mine = ok('bill', 'show', '--as', c).bills as { index: number; pseudonym: string }[];
      assert.equal(mine.length, 1);
      assert.ok(mine.every((b) => b.pseudonym === pseudonyms.get(c)));
      for (const b of mine) {
        const verdict = disputed === undefined ? 'dispute' : 'confirm';
        const r = ok('bill', verdict, '1', String(b.index), '--as', c, '--remarks', `${verdict} from cli`);
        assert.equal(r.ringSize, 2);
        responses.push(r.response);
        if (verdict === 'dispute') disputed = { round: '1', bill: b.index, response: r.response };
      }
    }
    const others = ok('bill', 'show', '--as', 'c.bus003').bills as { index: number }[];
    refused(['bill', 'confirm', '1', String(others[0]!.index), '--as', 'c.bus002'], /is not c\.bus002's/);

    // The generators acknowledge every response but the last (a confirmation by c.bus003), which
    // its consumer then escalates to the regulator once the acknowledgement window has passed.
    const ignored = responses.at(-1)!;
    let acknowledged = 0;
    for (const g of ['g1.bus1', 'g2.bus2']) {
      const inbox = ok('bill', 'inbox', '--as', g).responses as {
        response: string;
        verdict?: string;
        remarks?: string;
      }[];
      assert.ok(inbox.every((r) => r.remarks === `${r.verdict} from cli`));
      const ids = inbox.map((r) => r.response).filter((id) => id !== ignored);
      if (ids.length === 0) continue;
      acknowledged += ok('bill', 'acknowledge', '--as', g, ...ids).acknowledged.length;
    }
    assert.equal(acknowledged, responses.length - 1);
    refused(['bill', 'escalate', ignored, '--as', 'c.bus002'], /was not sent with c\.bus002's key store/);
    const escalated = ok('bill', 'escalate', ignored, '--as', 'c.bus003', '--wait');
    assert.equal(escalated.receipts[0].kind, 'bill.escalate');
    refused(
      ['bill', 'escalate', ignored, '--as', 'c.bus003'],
      /is escalated; only a pending one is escalated/,
    );
    const bills = ok('bill', 'show').bills as { index: number; status: string }[];
    assert.equal(bills.find((b) => b.index === escalated.bill)!.status, 'escalated');
    ok('dispute', 'resolve', '1', String(escalated.bill), '--outcome', 'uphold');

    const trace = ok('trace', disputed!.response, '--reason', 'disputed bill');
    assert.equal(trace.organisation, 'c.bus002');
    assert.ok(existsSync(trace.openingFile));
    // Any member checks the opening against the chain; a tampered one is refused.
    const verified = ok('verify-trace', trace.openingFile, '--as', 'g1.bus1');
    assert.equal(verified.organisation, 'c.bus002');
    assert.equal(verified.verified, true);
    const opening = JSON.parse(readFileSync(trace.openingFile, 'utf8'));
    const forgedFile = join(dir, 'forged-opening.json');
    // one bit of the certificate's signature (its bytes follow index, Y, proof and the signed body)
    const at = (4 + 32 + 64 + 1 + 152 + 5) * 2;
    const flipped = (Number.parseInt(opening.trace.slice(at, at + 2), 16) ^ 1).toString(16).padStart(2, '0');
    const forgedTrace = `${opening.trace.slice(0, at)}${flipped}${opening.trace.slice(at + 2)}`;
    writeFileSync(forgedFile, JSON.stringify({ ...opening, trace: forgedTrace }));
    refused(['verify-trace', forgedFile], /does not verify: it is not the regulator’s trace/);
    writeFileSync(forgedFile, JSON.stringify({ ...opening, commitment: '00'.repeat(32) }));
    refused(['verify-trace', forgedFile], /records no trace of response/);
    ok(
      'dispute',
      'resolve',
      '1',
      String(disputed!.bill),
      '--outcome',
      'waive-penalties',
      '--note',
      'checked',
    );

    const final = ok('round', 'finalize', '--wait');
    assert.equal(final.phase, 'finalized');
    assert.equal(final.settled, closed.bills);

    // The regulator revokes a pseudonym; it cannot be revoked twice.
    const revoked = ok('pseudonym', 'revoke', pseudonyms.get('c.bus002')!);
    assert.equal(revoked.receipts[0].kind, 'pseudonym.revoke');
    refused(['pseudonym', 'revoke', pseudonyms.get('c.bus002')!], /is already revoked/);
    refused(['pseudonym', 'revoke', 'beef'], /a pseudonym key is 64 hex characters/);

    const rep = ok('reputation', 'g1.bus1').reputations[0];
    assert.equal(rep.status, 'active');
    assert.equal(rep.lastRound, '1');
    assert.ok(BigInt(rep.balanceMicroYuan) > 0n);
    // A consumer pays from its pseudonym's account, not its organisation's: `reputation` shows what
    // it paid there (its key store links its pseudonyms) — exactly what left the pseudonym's account.
    const consumer = ok('reputation', 'c.bus002').reputations[0];
    assert.equal(consumer.balanceMicroYuan, null);
    const api = readConsortiumFile(join(dir, 'consortium.json')).validators[0]!.api;
    const account = (await (await fetch(`${api}/v1/balances/p:${pseudonyms.get('c.bus002')}`)).json()) as {
      microYuan: string;
    };
    assert.ok(BigInt(consumer.statement.paidMicroYuan) > 0n);
    assert.equal(BigInt(consumer.statement.paidMicroYuan), -BigInt(account.microYuan));
    assert.equal(consumer.statement.owedMicroYuan, '0');

    const tx = ok('tx', 'show', responses[0]!);
    assert.equal(tx.status, 'committed');
    assert.equal(tx.inclusionProofVerified, true);
    assert.equal(tx.certificateVerified, true);
    refused(['tx', 'show', 'ab'.repeat(32)], /no transaction abab.* on this node/);
    const block = ok('block', 'show', tx.height);
    assert.ok(block.txIds.includes(responses[0]));

    const status = ok('network', 'status');
    assert.ok(status.validators.every((v: { up: boolean }) => v.up));
    assert.equal(ok('network', 'down').stopped, 4);
    refused(['round', 'show'], /cannot reach the node/);
  });
});

describe('dpp init --insecure', () => {
  it('writes plaintext key stores, flagged as such in the store and in consortium.json', () => {
    const plain = mkdtempSync(join(tmpdir(), 'dpp-cli-insecure-'));
    try {
      const r = runDpp(['init', '--dir', plain, '--insecure', '--json'], { env: { DPP_PASSPHRASE: '' } });
      assert.equal(r.status, 0, r.stderr);
      const file = readConsortiumFile(join(plain, 'consortium.json'));
      assert.equal(file.insecure, true);
      const store = JSON.parse(readFileSync(join(plain, 'keys', 'trading-centre.json'), 'utf8'));
      assert.equal(store.kdf, 'none');
      assert.match(store.warning, /^INSECURE/);
      assert.deepEqual(
        store.entries.map((e: { name: string }) => e.name),
        ['org', 'regulator-cert', 'regulator-master'],
      );
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
