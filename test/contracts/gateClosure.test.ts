/**
 * A round's state machine has a deadline on every transition (docs/protocol.md §6): offers, demand
 * and pseudonyms only before gate closure; closing only from gate closure, before delivery starts
 * (later, or with nothing to clear, the round is cancelled with its reason recorded); metering of
 * bills and of sales only after delivery ends and before the response deadline. Before this, a round whose delivery had run
 * still committed offers, demand, its close and meter readings after the response deadline, and an
 * empty round closed and "certified" without a word.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pseudonymContractTx } from '../../src/client/contractTx.ts';
import { issueOneTimePseudonym } from '../../src/client/pseudonyms.ts';
import { readRecord } from '../../src/contracts/draft.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import { roundKey } from '../../src/contracts/keys.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { pseudonymRegisterPayload, pseudonymRevokePayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import {
  type RoundRecord,
  type RoundTerms,
  regulatorRecord,
  roundRecord,
} from '../../src/contracts/records.ts';
import { demandPayload, offerPayload, roundOpenPayload } from '../../src/contracts/rounds.ts';
import { CHAIN_ID, ContractChain, group } from './harness.ts';
import {
  billsOf,
  closeRound,
  closeTx,
  equilibriumPrices,
  OK,
  R,
  salesOf,
  setUpRound,
  termsAt,
} from './scenario.ts';

const failed = (code: string) => ({ status: 'failed', code });

function roundNow(c: ContractChain, id = R): RoundRecord {
  return readRecord(c.state, group, roundKey(id), roundRecord)!;
}

/** A chain with the regulator set up and no round. */
function withRegulator(): ContractChain {
  const c = new ContractChain();
  const reg = c.regulator;
  assert.deepEqual(
    c.one(
      c.org('trading-centre', 'regulator.setup', regulatorRecord, {
        masterPublic: reg.masterPublic,
        certPublicKey: reg.certPublicKey,
      }),
    ),
    OK,
  );
  return c;
}

/** A chain with the regulator set up and round 1 opened on `termsAt(now)`, nothing else. */
function emptyRound(): { c: ContractChain; gate: bigint; start: bigint } {
  const c = withRegulator();
  const terms = termsAt(c.now);
  assert.deepEqual(c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: R, terms })), OK);
  return { c, gate: terms.gateClosureMs, start: terms.deliveryStartMs };
}

/** `round.close` with the round's equilibrium prices when it has offers and demand to clear, else with none. */
const close = (c: ContractChain, id = R) => {
  const scenario = new ContractQueries(c.state, group).scenario(id);
  const clears = scenario !== undefined && scenario.generators.length > 0 && scenario.consumers.length > 0;
  return closeTx(c, clears ? equilibriumPrices(c, id) : [], id);
};

describe('contracts: round windows and gate closure', () => {
  it('round.open refuses windows out of order, naming the rule', () => {
    const c = withRegulator();
    for (const [name, change] of [
      // the block lands 1 s after the chain's head: a gate closure at that time is already past
      ['gate closure not after now', (t: RoundTerms) => ({ ...t, gateClosureMs: c.now + 1000n })],
      [
        'gate closure after delivery start',
        (t: RoundTerms) => ({ ...t, gateClosureMs: t.deliveryStartMs + 1n }),
      ],
      ['an empty delivery window', (t: RoundTerms) => ({ ...t, deliveryEndMs: t.deliveryStartMs })],
      [
        'no time to respond after delivery',
        (t: RoundTerms) => ({ ...t, responseDeadlineMs: t.deliveryEndMs }),
      ],
      ['no acknowledgement window', (t: RoundTerms) => ({ ...t, ackWindowMs: 0n })],
      ['rings smaller than two', (t: RoundTerms) => ({ ...t, ringSize: 1 })],
      ['rings of none', (t: RoundTerms) => ({ ...t, ringSize: 0 })],
    ] as const) {
      const terms = change(termsAt(c.now));
      const receipt = c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: R, terms }));
      assert.deepEqual(receipt, failed('CONTRACT_BAD_ROUND'), name);
    }
    assert.deepEqual(
      c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: R, terms: termsAt(c.now) })),
      OK,
      'the same terms in order are accepted',
    );
  });

  it('offers, demand and pseudonyms are refused from gate closure on (CONTRACT_TOO_LATE)', () => {
    const s = setUpRound();
    const { c } = s;
    const atGate = s.terms.gateClosureMs - c.now;
    const offer = c.org('gen-a', 'market.offer', offerPayload, {
      round: R,
      capacityWh: 1_000_000n,
      costQuadraticMicroYuanPerMWh2: 0n,
      costLinearMicroYuanPerKWh: 1n,
      costFixedMicroYuan: 0n,
    });
    const demand = pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'market.demand',
      demandPayload,
      { round: R, demandWh: 1_000n, diversificationMicroYuanPerKWh: 10_000n },
      s.pseudonyms.get('consumer-1')!,
    );
    const { payload } = issueOneTimePseudonym(
      group,
      s.reg,
      'consumer-2',
      c.now,
      c.now + 3_600_000n,
      R,
      'agg-a',
      500_000,
    );
    const register = c.org('trading-centre', 'pseudonym.register', pseudonymRegisterPayload, payload);
    // just before the gate: accepted
    assert.deepEqual(c.block([offer, demand, register], atGate - 1n), [OK, OK, OK]);
    // at the gate: refused, and the round is unchanged
    const before = roundNow(c);
    const late = [
      c.org('gen-a', 'market.offer', offerPayload, {
        round: R,
        capacityWh: 2_000_000n,
        costQuadraticMicroYuanPerMWh2: 0n,
        costLinearMicroYuanPerKWh: 1n,
        costFixedMicroYuan: 0n,
      }),
      pseudonymContractTx(
        { chainId: CHAIN_ID, group },
        'market.demand',
        demandPayload,
        { round: R, demandWh: 2_000n, diversificationMicroYuanPerKWh: 10_000n },
        s.pseudonyms.get('consumer-1')!,
      ),
      c.org(
        'trading-centre',
        'pseudonym.register',
        pseudonymRegisterPayload,
        issueOneTimePseudonym(group, s.reg, 'consumer-3', c.now, c.now + 3_600_000n, R, 'agg-b', 500_000)
          .payload,
      ),
    ];
    assert.deepEqual(
      c.block(late, 1n),
      late.map(() => failed('CONTRACT_TOO_LATE')),
    );
    assert.deepEqual(roundNow(c), before);
  });

  it('closing before gate closure is refused (CONTRACT_TOO_EARLY); at gate closure the round clears', () => {
    const s = setUpRound();
    const { c } = s;
    assert.ok(c.now + 1000n < s.terms.gateClosureMs);
    assert.deepEqual(c.one(close(c)), failed('CONTRACT_TOO_EARLY'));
    assert.equal(roundNow(c).phase, 'open');
    const bills = closeRound(s);
    assert.equal(roundNow(c).phase, 'cleared');
    assert.equal(roundNow(c).cancelReason, null);
    assert.ok(bills.length > 0);
  });

  it('a round closed only after delivery started is cancelled with its reason, and the next round opens', () => {
    const s = setUpRound();
    const { c } = s;
    assert.deepEqual(c.one(close(c), s.terms.deliveryStartMs - c.now), OK);
    const round = roundNow(c);
    assert.equal(round.phase, 'cancelled');
    assert.equal(round.cancelReason, 'not closed before delivery started');
    assert.equal(round.bills, 0);
    assert.deepEqual(salesOf(c), [], 'no sales either');
    assert.equal(billsOf(c).length, 0);
    // nothing to finalize or meter; the next round may open
    assert.deepEqual(
      c.one(c.org('trading-centre', 'round.finalize', finalizePayload, { round: R })),
      failed('CONTRACT_WRONG_PHASE'),
    );
    assert.deepEqual(
      c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: 2n, terms: termsAt(c.now) })),
      OK,
    );
  });

  it('an empty round is cancelled, not cleared: "no offers", "no demand"', () => {
    const none = emptyRound();
    assert.deepEqual(none.c.one(close(none.c), none.gate - none.c.now), OK);
    assert.equal(roundNow(none.c).phase, 'cancelled');
    assert.equal(roundNow(none.c).cancelReason, 'no offers');

    // offers, but every pseudonym that demanded revoked: no demand remains to clear
    const s = setUpRound();
    const revocations = [...s.pseudonyms.values()].map((k, i) =>
      s.c.org('trading-centre', 'pseudonym.revoke', pseudonymRevokePayload, { key: k.publicKey }, BigInt(i)),
    );
    assert.deepEqual(
      s.c.block(revocations),
      revocations.map(() => OK),
    );
    assert.deepEqual(s.c.one(close(s.c), s.terms.gateClosureMs - s.c.now), OK);
    assert.equal(roundNow(s.c).phase, 'cancelled');
    assert.equal(roundNow(s.c).cancelReason, 'no demand');
    assert.equal(billsOf(s.c).length, 0);
  });

  it('metering (bills and sales) only after delivery ends and before the response deadline', () => {
    const s = setUpRound();
    const { c } = s;
    const bills = closeRound(s);
    const reading = (agg: string) =>
      c.org(agg, 'meter.submit', meterPayload, {
        round: R,
        readings: bills
          .filter((b) => b.aggregator === agg)
          .map((b) => ({ bill: b.index, consumedWh: b.contractedWh })),
      });
    const generation = () =>
      c.org('trading-centre', 'meter.generation', generationPayload, {
        round: R,
        readings: salesOf(c).map((x) => ({ generator: x.generator, deliveredWh: x.soldWh })),
      });
    assert.deepEqual(c.one(reading('agg-a')), failed('CONTRACT_TOO_EARLY'));
    assert.deepEqual(c.one(generation()), failed('CONTRACT_TOO_EARLY'));
    // one millisecond before the delivery window ends: still too early
    assert.deepEqual(c.one(generation(), s.terms.deliveryEndMs - 1n - c.now), failed('CONTRACT_TOO_EARLY'));
    assert.deepEqual(
      c.one(reading('agg-a'), s.terms.responseDeadlineMs - c.now),
      failed('CONTRACT_TOO_LATE'),
    );
    assert.deepEqual(c.one(generation(), 0n), failed('CONTRACT_TOO_LATE'));
    assert.ok(
      billsOf(c).every((b) => b.status === 'contracted'),
      'nothing was metered',
    );
    assert.ok(
      salesOf(c).every((x) => x.status === 'contracted' && x.meter === null),
      'no sale was metered',
    );
  });

  it('a round closes only with one price per offering generator (CONTRACT_BAD_ROUND), and stays open', () => {
    const s = setUpRound();
    const { c } = s;
    const prices = equilibriumPrices(c);
    assert.equal(prices.length, 2);
    const atGate = s.terms.gateClosureMs - c.now;
    [[], prices.slice(0, 1), [...prices, prices[0]!]].forEach((wrong, i) => {
      const receipt = c.one(closeTx(c, wrong), i === 0 ? atGate : 1n);
      assert.deepEqual(receipt, failed('CONTRACT_BAD_ROUND'), `${wrong.length} prices`);
      assert.equal(roundNow(c).phase, 'open');
    });
    assert.deepEqual(c.one(closeTx(c, prices), 1n), OK);
    assert.equal(roundNow(c).phase, 'cleared');
  });
});
