/**
 * A whole market round through the contracts, in memory: regulator setup, receiving keys, a round,
 * one-time pseudonyms, offers, pseudonymous demand, clearing at the prices solved off chain (one
 * bill per buying consumer, one sale per generator, the rings), metering of bills and sales,
 * private bill responses (ring signcryption), acknowledgements and settlement, a dispute resolved
 * after a trace, finalization and reputation — with the authorisation and privacy rules checked at
 * each step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBillResponse, openBillResponse } from '../../src/client/billResponse.ts';
import { issueOneTimePseudonym } from '../../src/client/pseudonyms.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { billAmount } from '../../src/contracts/billAmount.ts';
import { acknowledgePayload, billAcknowledge } from '../../src/contracts/billResponses.ts';
import { roundScenario } from '../../src/contracts/clearing.ts';
import { resolvePayload, traceRecordPayload } from '../../src/contracts/disputes.ts';
import { Draft, readRecord } from '../../src/contracts/draft.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import {
  billKey,
  clearingKey,
  pseudonymKey,
  reputationKey,
  responseKey,
  roundKey,
} from '../../src/contracts/keys.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { pseudonymRegisterPayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import {
  type BillRecord,
  billRecord,
  clearingRecord,
  pseudonymRecord,
  reputationRecord,
  responseRecord,
  roundRecord,
} from '../../src/contracts/records.ts';
import { clearingInputs, offerPayload, roundClosePayload } from '../../src/contracts/rounds.ts';
import { balanceOf, GRID_ACCOUNT, pseudonymAccount } from '../../src/contracts/settlement.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import { moneyFor } from '../../src/market/units.ts';
import { decodePseudonymCertificate } from '../../src/privacy/pseudonymCertificate.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { decodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { traceToIdentity } from '../../src/privacy/trace.ts';
import { commitTrace, verifyTraceOpening } from '../../src/privacy/traceCommitment.ts';
import { CHAIN_ID, group, invalidReason } from './harness.ts';
import {
  billsOf,
  closeRound,
  equilibriumPrices,
  OK,
  R,
  ringOfBill,
  salesOf,
  setUpRound,
} from './scenario.ts';

describe('contracts: a whole round', () => {
  it('clears, meters, confirms privately, settles, traces a dispute and moves reputation', () => {
    const s = setUpRound();
    const { c, reg, receiving, pseudonyms, terms } = s;
    // [INVALID] a consumer's organisation key cannot offer; a non-regulator cannot close
    const consumerOffer = c.org('consumer-1', 'market.offer', offerPayload, {
      round: R,
      capacityWh: 1n,
      costQuadraticMicroYuanPerMWh2: 0n,
      costLinearMicroYuanPerKWh: 0n,
      costFixedMicroYuan: 0n,
    });
    assert.equal(invalidReason(c, consumerOffer), 'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE');
    assert.equal(
      invalidReason(
        c,
        c.org('gen-a', 'round.close', roundClosePayload, { round: R, prices: equilibriumPrices(c) }),
      ),
      'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE',
    );

    closeRound(s);
    const clearing = readRecord(c.state, group, clearingKey(R), clearingRecord)!;
    assert.equal(clearing.certified, true);
    assert.equal(clearing.prices.length, 2);
    assert.ok(
      clearing.costMicroYuan < clearing.catalogCostMicroYuan,
      'direct purchase saves against the catalog tariff',
    );
    // Every trading mode of the round, rebuilt from on-chain data: the catalog mode costs what the
    // clearing says, ours costs less than every baseline, and re-solving the rebuilt scenario gives
    // the recorded prices (the reconstruction is faithful).
    const queriesNow = () => new ContractQueries(c.state, group);
    const modes = queriesNow().tradingModes(R)!;
    const cost = Object.fromEntries(modes.modes.map((m) => [m.mode, m.costMicroYuan]));
    assert.equal(cost.catalog, clearing.catalogCostMicroYuan);
    assert.equal(cost.stackelberg, clearing.costMicroYuan);
    for (const m of ['catalog', 'bilateral', 'centralised'])
      assert.ok(cost.stackelberg! < cost[m]!, `${m}: ${cost.stackelberg} vs ${cost[m]}`);
    const round = readRecord(c.state, group, roundKey(R), roundRecord)!;
    const rep = new Map(clearing.prices.map((p) => [p.generator, p.reputationPpm]));
    const inputs = clearingInputs(new Draft(c.state, group), round, (g) => rep.get(g)!);
    const again = solveCertified(roundScenario(round.terms, inputs.offers, inputs.demands)).result.prices;
    assert.deepEqual(
      again.map((p) => p.priceMicroYuanPerKWh),
      clearing.prices.map((p) => p.priceMicroYuanPerKWh),
    );
    const contracted = billsOf(c);
    assert.ok(contracted.length >= 2);
    assert.equal(
      contracted.reduce((s, b) => s + b.contractedWh, 0n),
      clearing.energyWh,
    );
    // Statements: one bill per consumer that buys directly, one sale per offering generator; the
    // pairwise split is recomputed from the clearing, and every statement agrees with it.
    const split = contracted.map((b) => queriesNow().billSplit(R, b.index)!);
    assert.equal(
      new Set(contracted.map((b) => toHex(b.consumer))).size,
      contracted.length,
      'one bill per consumer',
    );
    assert.deepEqual(
      contracted.map((b) => b.index),
      contracted.map((_, i) => i),
    );
    contracted.forEach((b, i) => {
      const pairs = split[i]!;
      assert.equal(b.suppliers, pairs.length);
      assert.ok(pairs.length > 0 && pairs.every((p) => p.energyWh > 0n));
      assert.equal(
        b.contractedWh,
        pairs.reduce((sum, p) => sum + p.energyWh, 0n),
      );
      assert.equal(
        b.contractedMicroYuan,
        pairs.reduce((sum, p) => sum + moneyFor(p.energyWh, p.priceMicroYuanPerKWh), 0n),
      );
      assert.ok(
        pairs.some((p) => p.generator === b.generator),
        'a bill is addressed to one of its suppliers',
      );
      assert.equal(b.status, 'contracted');
      assert.equal(b.meter, null);
    });
    const buyers = new Set(contracted.map((b) => toHex(b.consumer)));
    for (const k of pseudonyms.values()) {
      const billOf = queriesNow().billOf(R, k.publicKey);
      assert.equal(billOf !== undefined, buyers.has(toHex(k.publicKey)));
    }
    const sales = salesOf(c);
    assert.deepEqual(
      sales.map((x) => x.generator),
      round.offers,
    );
    for (const sale of sales) {
      const pairs = split.flat().filter((p) => p.generator === sale.generator);
      assert.equal(
        sale.soldWh,
        pairs.reduce((sum, p) => sum + p.energyWh, 0n),
      );
      assert.equal(sale.buyers, pairs.length);
      assert.equal(sale.status, 'contracted');
      const price = clearing.prices.find((p) => p.generator === sale.generator)!;
      assert.equal(sale.priceMicroYuanPerKWh, price.priceMicroYuanPerKWh);
      assert.equal(sale.soldWh, price.soldWh);
    }
    assert.equal(
      sales.reduce((sum, x) => sum + x.soldWh, 0n),
      clearing.energyWh,
    );

    // [FAIL] metering before the delivery window ends; then each aggregator meters its own consumers
    const readingsOf = (agg: string) =>
      contracted
        .filter((b) => b.aggregator === agg)
        .map((b, k) => ({
          bill: b.index,
          consumedWh: k === 0 ? (b.contractedWh * 8n) / 10n : b.contractedWh,
        }));
    assert.deepEqual(
      c.one(c.org('agg-a', 'meter.submit', meterPayload, { round: R, readings: readingsOf('agg-a') }), 1000n),
      { status: 'failed', code: 'CONTRACT_TOO_EARLY' },
    );
    const meters = ['agg-a', 'agg-b']
      .filter((a) => readingsOf(a).length > 0)
      .map((a) => c.org(a, 'meter.submit', meterPayload, { round: R, readings: readingsOf(a) }));
    assert.deepEqual(
      c.block(meters, 20_000n),
      meters.map(() => OK),
    );
    const issued = billsOf(c);
    assert.ok(issued.every((b) => b.status === 'issued'));
    assert.ok(
      issued.some((b) => b.consumerPenaltyMicroYuan > 0n),
      'a 20 % shortfall beyond the 5 % tolerance is penalised',
    );
    // [WRONG_ROLE] an aggregator cannot meter generators; the trading centre meters every sale, which pays it
    const generation = {
      round: R,
      readings: sales.map((x) => ({ generator: x.generator, deliveredWh: x.soldWh })),
    };
    assert.equal(
      invalidReason(c, c.org('agg-a', 'meter.generation', generationPayload, generation)),
      'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE',
    );
    assert.deepEqual(c.one(c.org('trading-centre', 'meter.generation', generationPayload, generation)), OK);
    for (const sale of salesOf(c)) {
      assert.equal(sale.status, 'settled');
      assert.equal(sale.penaltyMicroYuan, 0n);
      assert.equal(sale.energyMicroYuan, moneyFor(sale.soldWh, sale.priceMicroYuanPerKWh));
      assert.equal(balanceOf(new Draft(c.state, group), sale.generator), sale.energyMicroYuan);
    }
    assert.deepEqual(c.one(c.org('trading-centre', 'meter.generation', generationPayload, generation)), {
      status: 'failed',
      code: 'CONTRACT_BAD_STATUS',
    });

    // Every consumer responds through a ring signcryption; the first bill is disputed.
    const params = { group, regulatorKey: reg.masterPublic };
    const ownerOf = (b: BillRecord) =>
      [...pseudonyms].find(([, k]) => toHex(k.publicKey) === toHex(b.consumer))!;
    const disputed = issued[0]!;
    const responses = issued.map(
      (b) =>
        buildBillResponse({
          chainId: CHAIN_ID,
          params,
          pseudonym: ownerOf(b)[1],
          ring: ringOfBill(c, b),
          round: R,
          bill: b.index,
          aggregator: b.aggregator,
          ringIndex: b.ring,
          generator: b.generator,
          receiver: receiving.get(b.generator)!.publicKey,
          verdict: b === disputed ? 'dispute' : 'confirm',
          remarks: b === disputed ? 'metered consumption is wrong' : 'ok',
        }).tx,
    );
    assert.deepEqual(
      c.block(responses),
      responses.map(() => OK),
    );

    // Privacy: the stored response names the ring and the addressee, never the sender or the plaintext.
    for (const tx of responses) {
      const stored = readRecord(c.state, group, responseKey(transactionId(tx.bytes)), responseRecord)!;
      assert.equal(stored.status, 'pending');
      assert.ok(stored.ring.length >= terms.ringSize, 'a ring of at least ringSize billed pseudonyms');
      const text = new TextDecoder('latin1').decode(stored.signcryption);
      assert.ok(!text.includes('metered consumption') && !text.includes('consumer-'));
    }

    // A ring member cannot confirm another consumer's bill: its signature does not match the bill.
    const other = issued.find(
      (b) => b.aggregator === disputed.aggregator && toHex(b.consumer) !== toHex(disputed.consumer),
    );
    if (other !== undefined) {
      const forged = buildBillResponse({
        chainId: CHAIN_ID,
        params,
        pseudonym: ownerOf(other)[1],
        ring: ringOf(
          readRecord(c.state, group, responseKey(transactionId(responses[0]!.bytes)), responseRecord)!.ring,
        ).members,
        round: R,
        bill: disputed.index,
        aggregator: disputed.aggregator,
        ringIndex: disputed.ring,
        generator: disputed.generator,
        receiver: receiving.get(disputed.generator)!.publicKey,
        verdict: 'confirm',
        remarks: '',
      }).tx;
      assert.deepEqual(c.one(forged), OK, 'the ring proof is valid: a member of the ring sent it');
      const forgedId = transactionId(forged.bytes);
      const rec = readRecord(c.state, group, responseKey(forgedId), responseRecord)!;
      assert.throws(
        () =>
          openBillResponse(CHAIN_ID, params, receiving.get(disputed.generator)!, forgedId, rec, (r, i) =>
            readRecord(c.state, group, billKey(r, i), billRecord),
          ),
        { code: 'CLIENT_BAD_RESPONSE' },
      );
    }

    // The generators decrypt and acknowledge; confirmed bills settle, the dispute waits.
    const acks = responses.map((tx, i) => {
      const id = transactionId(tx.bytes);
      const rec = readRecord(c.state, group, responseKey(id), responseRecord)!;
      const opened = openBillResponse(CHAIN_ID, params, receiving.get(rec.generator)!, id, rec, (r, k) =>
        readRecord(c.state, group, billKey(r, k), billRecord),
      );
      assert.equal(opened.bill, issued[i]!.index);
      const offset = BigInt(
        responses
          .slice(0, i)
          .filter(
            (t) =>
              readRecord(c.state, group, responseKey(transactionId(t.bytes)), responseRecord)!.generator ===
              rec.generator,
          ).length,
      );
      return c.org(rec.generator, 'bill.acknowledge', acknowledgePayload, opened.acknowledgement, offset);
    });
    assert.deepEqual(
      c.block(acks),
      acks.map(() => OK),
    );
    const after = billsOf(c);
    assert.equal(after[0]!.status, 'disputed');
    assert.ok(after.slice(1).every((b) => b.status === 'settled'));

    // The regulator traces the disputed response, records the audit event, and resolves the dispute.
    const disputedResponse = transactionId(responses[0]!.bytes);
    const rec = readRecord(c.state, group, responseKey(disputedResponse), responseRecord)!;
    const sc = decodeSigncryption(group, rec.signcryption);
    const certOf = (y: Uint8Array) => {
      const p = readRecord(c.state, group, pseudonymKey(y), pseudonymRecord);
      return p === undefined ? undefined : decodePseudonymCertificate(group, p.certificate);
    };
    const traced = traceToIdentity(params, reg, sc, ringOf(rec.ring), certOf);
    assert.equal(traced.opening.realIdentity, ownerOf(disputed)[0]);
    const { opening, commitment } = commitTrace(traced);
    const traceTx = (who: string) =>
      c.org(who, 'trace.record', traceRecordPayload, {
        response: disputedResponse,
        reason: 'consumer disputes metering',
        commitment,
      });
    assert.equal(invalidReason(c, traceTx('gen-a')), 'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE');
    assert.deepEqual(c.one(traceTx('trading-centre')), OK);
    const anchors = {
      params,
      certPublicKey: reg.certPublicKey,
      registeredCertificate: (y: Uint8Array) =>
        readRecord(c.state, group, pseudonymKey(y), pseudonymRecord)?.certificate,
    };
    assert.ok(verifyTraceOpening(anchors, sc, ringOf(rec.ring), commitment, opening));
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'dispute.resolve', resolvePayload, {
          round: R,
          bill: disputed.index,
          outcome: 'waive-penalties',
          note: 'meter fault',
        }),
      ),
      OK,
    );

    // Balances: every settled bill and sale moved money, and the moves sum to zero.
    const draft = new Draft(c.state, group);
    const accounts = [
      GRID_ACCOUNT,
      'gen-a',
      'gen-b',
      ...[...pseudonyms.values()].map((k) => pseudonymAccount(k.publicKey)),
    ];
    assert.equal(
      accounts.reduce((s, a) => s + balanceOf(draft, a), 0n),
      0n,
    );
    // each settled bill took exactly its total from its pseudonym (the waived dispute without its
    // penalty); each generator holds its sale's pay; the grid company the difference
    let collected = 0n;
    for (const b of billsOf(c)) {
      assert.equal(b.status, 'settled');
      const total = billAmount(b).totalMicroYuan;
      assert.equal(balanceOf(draft, pseudonymAccount(b.consumer)), -total);
      collected += total;
    }
    const paid = salesOf(c).reduce((sum, x) => sum + x.energyMicroYuan - x.penaltyMicroYuan, 0n);
    for (const x of salesOf(c))
      assert.equal(balanceOf(draft, x.generator), x.energyMicroYuan - x.penaltyMicroYuan);
    assert.equal(balanceOf(draft, GRID_ACCOUNT), collected - paid);
    assert.ok(balanceOf(draft, GRID_ACCOUNT) > 0n, 'the grid keeps the tariffs and the penalty');

    // Finalize after the deadlines; reputations move.
    assert.equal(
      invalidReason(c, c.org('trading-centre', 'round.finalize', finalizePayload, { round: R })),
      undefined,
    );
    assert.deepEqual(c.one(c.org('trading-centre', 'round.finalize', finalizePayload, { round: R }), 1000n), {
      status: 'failed',
      code: 'CONTRACT_TOO_EARLY',
    });
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'round.finalize', finalizePayload, { round: R }),
        terms.responseDeadlineMs + 2n * terms.ackWindowMs - c.now,
      ),
      OK,
    );
    const queries = new ContractQueries(c.state, group);
    for (const g of ['gen-a', 'gen-b']) {
      const rep = readRecord(c.state, group, reputationKey(g), reputationRecord);
      assert.ok(rep !== undefined && rep.lastRound === R, `${g} was scored`);
      // Its history holds this round's step, with the indicators it was scored on: what it sold.
      const contracted = queries.sales(R).find((x) => x.generator === g)!.soldWh;
      const [step, ...more] = queries.reputationHistory(g) as Record<string, unknown>[];
      assert.equal(more.length, 0);
      assert.deepEqual(
        [step!.round, step!.contractedWh, step!.reputationPpm, step!.status, step!.previousRound],
        [R.toString(), contracted.toString(), rep.reputationPpm, rep.status, '0'],
      );
      assert.equal(BigInt(step!.deliveredWh as string), contracted, 'it delivered what it sold');
    }
    assert.deepEqual(queries.reputationHistory('trading-centre'), []);
    for (const k of pseudonyms.values()) {
      assert.notEqual(
        readRecord(c.state, group, pseudonymKey(k.publicKey), pseudonymRecord)!.roundScorePpm,
        null,
      );
    }
    void billAcknowledge;
  });
});

/** A `pseudonym.register` payload for consumer-1 in round 1 attesting `reputationPpm`. */
function registration(s: ReturnType<typeof setUpRound>, reputationPpm: number) {
  const { c, reg } = s;
  return issueOneTimePseudonym(group, reg, 'consumer-1', c.now, c.now + 3_600_000n, R, 'agg-a', reputationPpm)
    .payload;
}

describe('contracts: a pseudonym registration', () => {
  it('whose certificate does not decode is invalid, not a failed receipt', () => {
    const round = setUpRound();
    const { c } = round;
    const bytes = pseudonymRegisterPayload.encode(registration(round, 0));
    // version ‖ round ‖ aggregator ‖ reputation, then the certificate, whose first byte is its version
    const at = 1 + 8 + 4 + 'agg-a'.length + 4;
    assert.equal(bytes[at], 1);
    const broken = bytes.slice();
    broken[at] = 2;
    const tx = signOrgTransaction(
      { chainId: CHAIN_ID, kind: 'pseudonym.register', payload: broken },
      nextNonce(c.state, c.key('trading-centre').key.publicKey),
      c.key('trading-centre').key,
    );
    assert.equal(invalidReason(c, tx), 'LEDGER_BAD_PAYLOAD');
  });

  it('with an exact reputation (not a level) fails: it would link the consumer’s pseudonyms', () => {
    const round = setUpRound();
    const { c } = round;
    const tx = c.org(
      'trading-centre',
      'pseudonym.register',
      pseudonymRegisterPayload,
      registration(round, 512_345),
    );
    assert.deepEqual(c.one(tx), { status: 'failed', code: 'CONTRACT_BAD_PSEUDONYM' });
  });
});
