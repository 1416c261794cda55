/**
 * One bill amount (src/contracts/billAmount.ts, docs/protocol.md §7–§8): a bill's parts are its
 * recorded amounts under the documented names, its total is their sum, and the total is exactly
 * what settlement takes from the consumer's pseudonym and pays the grid company — on any bill, and
 * on chain for a whole round (a waived dispute and an upheld escalation included), where the grid
 * company's balance is what it collected from the bills less what it paid for the sales and each
 * generator holds exactly its sale's energy − penalty. A consumer's statement over its pseudonyms
 * sorts its bills into owed, disputed, paid and not metered, and what it says was paid equals what
 * left the pseudonyms' accounts. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import {
  BILL_PARTS,
  billAmount,
  billAmountJson,
  billStatement,
  NOT_METERED,
} from '../../src/contracts/billAmount.ts';
import { Draft } from '../../src/contracts/draft.ts';
import { computeBill } from '../../src/contracts/metering.ts';
import { BILL_STATUSES, type BillRecord, type BillStatus } from '../../src/contracts/records.ts';
import { balanceOf, GRID_ACCOUNT, pseudonymAccount, settleBill } from '../../src/contracts/settlement.ts';
import { MemoryState } from '../../src/ledger/worldState.ts';
import { ContractChain, group } from './harness.ts';
import { billsOf, fullRound, salesOf, termsAt } from './scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 515_151);
const pseudonym = group.mulBase(group.scalarFromWide(new Uint8Array(64).fill(3)));

/** A bill as clearing records it: `contractedWh` (> 0) bought at an average `priceMicroYuanPerKWh`. */
function contracted(contractedWh: bigint, priceMicroYuanPerKWh: bigint): BillRecord {
  return {
    round: 1n,
    index: 0,
    generator: 'gen-a',
    consumer: pseudonym,
    aggregator: 'agg-a',
    ring: 0,
    suppliers: 1,
    contractedWh,
    contractedMicroYuan: (contractedWh * priceMicroYuanPerKWh + 500n) / 1000n,
    status: 'contracted',
    meter: null,
    billedWh: 0n,
    energyMicroYuan: 0n,
    transmissionMicroYuan: 0n,
    fundsMicroYuan: 0n,
    consumerPenaltyMicroYuan: 0n,
    respondedAtMs: null,
    response: null,
    resolution: '',
  };
}

function metered(contractedWh: bigint, price: bigint, consumedWh: bigint): BillRecord {
  const bill = contracted(contractedWh, price);
  return {
    ...bill,
    ...computeBill(bill, termsAt(0n), consumedWh),
    status: 'issued',
    meter: { consumedWh, meteredAtMs: 1n },
  };
}

describe(`contracts: one bill amount (seed ${SEED})`, () => {
  it('the parts are the recorded amounts, the total their sum, and settlement takes exactly the total', () => {
    const wh = fc.bigInt({ min: 0n, max: 10_000_000_000n });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        fc.bigInt({ min: 0n, max: 100_000_000n }),
        wh,
        fc.boolean(),
        (c, price, consumed, waive) => {
          const bill = metered(c, price, consumed);
          const a = billAmount(bill);
          assert.equal(a.metered, true);
          assert.equal(a.energyMicroYuan, bill.energyMicroYuan);
          assert.equal(a.transmissionMicroYuan, bill.transmissionMicroYuan);
          assert.equal(a.fundsMicroYuan, bill.fundsMicroYuan);
          assert.equal(a.penaltyMicroYuan, bill.consumerPenaltyMicroYuan);
          assert.equal(
            a.totalMicroYuan,
            a.energyMicroYuan + a.transmissionMicroYuan + a.fundsMicroYuan + a.penaltyMicroYuan,
          );
          assert.equal(a.billedWh, bill.billedWh);

          // what the consumer pays is what the grid company (the settlement agent) receives; no
          // generator is paid by a bill (its sale pays it)
          const draft = new Draft(new MemoryState(), group);
          const settled = settleBill(draft, bill, waive);
          const paid = billAmount(settled);
          assert.equal(balanceOf(draft, pseudonymAccount(pseudonym)), -paid.totalMicroYuan);
          assert.equal(balanceOf(draft, GRID_ACCOUNT), paid.totalMicroYuan);
          assert.equal(balanceOf(draft, 'gen-a'), 0n);
          assert.equal(paid.totalMicroYuan, waive ? a.totalMicroYuan - a.penaltyMicroYuan : a.totalMicroYuan);
        },
      ),
      { seed: SEED, numRuns: 1_000, endOnFailure: true },
    );
  });

  it('a bill not metered yet has no amount, and says so', () => {
    const a = billAmount(contracted(7_495_000n, 391_300n));
    assert.equal(a.metered, false);
    assert.deepEqual(
      BILL_PARTS.map((p) => a[p.key]),
      [0n, 0n, 0n, 0n, 0n],
    );
    assert.equal(NOT_METERED, 'not metered yet');
    assert.deepEqual(
      BILL_PARTS.map((p) => p.label),
      ['energy', 'T&D', 'government funds', 'deviation penalty', 'total'],
    );
    assert.equal(billAmountJson(a).totalMicroYuan, '0');
    assert.equal(billAmountJson(a).metered, false);
  });

  it('on chain, a whole round: each pseudonym paid exactly the totals of its settled bills', () => {
    const round = fullRound(new ContractChain());
    const draft = new Draft(round.c.state, group);
    const bills = billsOf(round.c);
    let grid = 0n;
    for (const [consumer, key] of round.pseudonyms) {
      const own = bills.filter((b) => toHex(b.consumer) === toHex(key.publicKey));
      const statement = billStatement(own, 1);
      assert.equal(statement.bills, own.length, consumer);
      assert.equal(
        statement.paidMicroYuan,
        -balanceOf(draft, pseudonymAccount(key.publicKey)),
        `${consumer}: the statement's paid is what left its pseudonym's account`,
      );
    }
    for (const b of bills) if (b.status === 'settled') grid += billAmount(b).totalMicroYuan;
    const sales = salesOf(round.c);
    assert.equal(sales.length, 2);
    for (const s of sales) {
      assert.equal(s.status, 'settled');
      assert.equal(balanceOf(draft, s.generator), s.energyMicroYuan - s.penaltyMicroYuan, s.generator);
      grid -= s.energyMicroYuan - s.penaltyMicroYuan;
    }
    assert.equal(balanceOf(draft, GRID_ACCOUNT), grid);
    assert.ok(bills.filter((b) => b.status === 'settled').length >= 2);
  });

  it('a statement sorts bills into not metered, owed, disputed, paid and voided', () => {
    const base = metered(1_000_000n, 400_000n, 1_000_000n);
    const total = billAmount(base).totalMicroYuan;
    assert.ok(total > 0n);
    const of = (status: BillStatus): BillRecord =>
      status === 'contracted' ? contracted(1_000_000n, 400_000n) : { ...base, status };
    const bills = BILL_STATUSES.map(of);
    const s = billStatement([...bills, of('issued')], 2);
    assert.deepEqual(
      {
        pseudonyms: s.pseudonyms,
        bills: s.bills,
        notMetered: s.notMetered,
        owedBills: s.owedBills,
        owedMicroYuan: s.owedMicroYuan,
        disputedBills: s.disputedBills,
        disputedMicroYuan: s.disputedMicroYuan,
        paidBills: s.paidBills,
        paidMicroYuan: s.paidMicroYuan,
        voidedBills: s.voidedBills,
      },
      {
        pseudonyms: 2,
        bills: 8,
        notMetered: 1,
        owedBills: 3, // issued twice and overdue
        owedMicroYuan: 3n * total,
        disputedBills: 2, // disputed and escalated
        disputedMicroYuan: 2n * total,
        paidBills: 1,
        paidMicroYuan: total,
        voidedBills: 1,
      },
    );
  });
});
