/**
 * Bills, sales and settlement as properties (docs/protocol.md §7–§8): a bill's and a sale's amounts
 * follow the documented formulas — written out again here, independently of `computeBill` and
 * `computeSale` — for any meter reading; settling any bills and sales moves money that sums to
 * zero, a confirmed bill moving exactly its total from the pseudonym to the grid company and a
 * metered sale paying energy − penalty from the grid company to the generator; and on the chain,
 * for random meter readings of a whole round, every issued bill and every metered sale carries the
 * documented amounts and every balance is exactly the sum of its settlements' moves, the moves of
 * the round summing to zero. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { billAmount } from '../../src/contracts/billAmount.ts';
import { Draft } from '../../src/contracts/draft.ts';
import { computeBill, computeSale } from '../../src/contracts/metering.ts';
import type { BillRecord, RoundTerms, SaleRecord } from '../../src/contracts/records.ts';
import {
  balanceOf,
  GRID_ACCOUNT,
  pseudonymAccount,
  settleBill,
  settleSale,
} from '../../src/contracts/settlement.ts';
import { MemoryState } from '../../src/ledger/worldState.ts';
import { ContractChain, group } from './harness.ts';
import { billsOf as billsNow, fullRound, salesOf, termsAt } from './scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 424_242);
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

/** x / d rounded half up, for x ≥ 0 (docs: "halves rounded up"). */
const halfUp = (x: bigint, d: bigint): bigint => (2n * x + d) / (2n * d);
/** µ¥ for an energy at a price: Wh × µ¥/kWh / 1000. */
const money = (wh: bigint, price: bigint): bigint => halfUp(wh * price, 1000n);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** (|metered − contracted| − tolerance × contracted)⁺ × penalty rate (docs/protocol.md §7). */
function documentedPenalty(t: RoundTerms, contracted: bigint, metered: bigint): bigint {
  const tolerance = (contracted * BigInt(t.tolerancePpm)) / 1_000_000n;
  const beyond = abs(metered - contracted) - tolerance;
  return beyond > 0n ? money(beyond, t.penaltyMicroYuanPerKWh) : 0n;
}

/** A consumer's bill of docs/protocol.md §7, from scratch: its energy part scales with the billed share. */
function documentedBill(contractedWh: bigint, contractedMicroYuan: bigint, t: RoundTerms, consumed: bigint) {
  const billed = min(consumed, contractedWh);
  return {
    billedWh: billed,
    energyMicroYuan: halfUp(contractedMicroYuan * billed, contractedWh),
    transmissionMicroYuan: money(billed, t.transmissionMicroYuanPerKWh),
    fundsMicroYuan: money(billed, t.fundsMicroYuanPerKWh),
    consumerPenaltyMicroYuan: documentedPenalty(t, contractedWh, consumed),
  };
}

/** A generator's sale of docs/protocol.md §7, from scratch. */
function documentedSale(soldWh: bigint, price: bigint, t: RoundTerms, delivered: bigint) {
  const billed = min(delivered, soldWh);
  return {
    billedWh: billed,
    energyMicroYuan: money(billed, price),
    penaltyMicroYuan: documentedPenalty(t, soldWh, delivered),
  };
}

const energy = fc.bigInt({ min: 0n, max: 10_000_000_000_000n });
const tariff = fc.bigInt({ min: 0n, max: 100_000_000n });
const pseudonym = group.mulBase(group.scalarFromWide(new Uint8Array(64).fill(5)));

/** A contracted bill of `contractedWh` (> 0: only a consumer that buys has a bill) whose energy part is `contractedMicroYuan`. */
function billWith(contractedWh: bigint, contractedMicroYuan: bigint): BillRecord {
  return {
    round: 1n,
    index: 0,
    generator: 'gen-a',
    consumer: pseudonym,
    aggregator: 'agg-a',
    ring: 0,
    suppliers: 2,
    contractedWh,
    contractedMicroYuan,
    status: 'issued',
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

/** A contracted sale. */
function saleWith(generator: string, soldWh: bigint, priceMicroYuanPerKWh: bigint): SaleRecord {
  return {
    round: 1n,
    generator,
    soldWh,
    priceMicroYuanPerKWh,
    buyers: 1,
    status: 'contracted',
    meter: null,
    billedWh: 0n,
    energyMicroYuan: 0n,
    penaltyMicroYuan: 0n,
  };
}

describe(`contracts: bill and sale amounts and settlement (seed ${SEED})`, () => {
  it('computeBill and computeSale follow the documented formulas for any reading', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000_000_000n }),
        tariff,
        tariff,
        tariff,
        fc.integer({ min: 0, max: 1_000_000 }),
        tariff,
        energy,
        energy,
        (contracted, price, td, funds, tolerancePpm, penalty, delivered, consumed) => {
          const terms: RoundTerms = {
            ...termsAt(0n),
            transmissionMicroYuanPerKWh: td,
            fundsMicroYuanPerKWh: funds,
            tolerancePpm,
            penaltyMicroYuanPerKWh: penalty,
          };
          // a bill's energy part is what its suppliers' prices make of its energy
          const energyPart = money(contracted, price);
          const bill = computeBill(billWith(contracted, energyPart), terms, consumed);
          assert.deepEqual(bill, documentedBill(contracted, energyPart, terms, consumed));
          assert.ok(bill.billedWh <= contracted && bill.billedWh <= consumed);
          assert.ok(bill.energyMicroYuan <= energyPart, 'never more than the contracted energy part');
          if (consumed >= contracted) assert.equal(bill.energyMicroYuan, energyPart);
          const sale = computeSale(saleWith('gen-a', contracted, price), terms, delivered);
          assert.deepEqual(sale, documentedSale(contracted, price, terms, delivered));
          assert.ok(sale.billedWh <= contracted && sale.billedWh <= delivered);
        },
      ),
      run(2000),
    );
  });

  it('a sale that sold nothing is penalised for whatever it delivered beyond tolerance (none: zero)', () => {
    const terms = termsAt(0n);
    assert.deepEqual(computeSale(saleWith('gen-a', 0n, 400_000n), terms, 0n), {
      billedWh: 0n,
      energyMicroYuan: 0n,
      penaltyMicroYuan: 0n,
    });
    assert.deepEqual(computeSale(saleWith('gen-a', 0n, 400_000n), terms, 1_000_000n), {
      billedWh: 0n,
      energyMicroYuan: 0n,
      penaltyMicroYuan: money(1_000_000n, terms.penaltyMicroYuanPerKWh),
    });
  });

  it('settling any bills and sales: each bill moves its total pseudonym → grid, each sale energy − penalty grid → generator; all sum to zero', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            contracted: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
            price: tariff,
            consumed: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
            waive: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(
          fc.record({
            generator: fc.constantFrom('gen-a', 'gen-b'),
            sold: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
            price: tariff,
            delivered: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
          }),
          { minLength: 0, maxLength: 4 },
        ),
        (bills, sales) => {
          const draft = new Draft(new MemoryState(), group);
          const terms = termsAt(0n);
          let consumerPaid = 0n;
          let generatorsPaid = 0n;
          for (const b of bills) {
            const bill = billWith(b.contracted, money(b.contracted, b.price));
            const metered = { ...bill, ...computeBill(bill, terms, b.consumed) };
            const before = [balanceOf(draft, pseudonymAccount(pseudonym)), balanceOf(draft, GRID_ACCOUNT)];
            const settled = settleBill(draft, metered, b.waive);
            assert.equal(settled.status, 'settled');
            const total = billAmount(settled).totalMicroYuan;
            if (b.waive) {
              assert.equal(settled.consumerPenaltyMicroYuan, 0n);
              assert.equal(total, billAmount(metered).totalMicroYuan - metered.consumerPenaltyMicroYuan);
            } else assert.equal(total, billAmount(metered).totalMicroYuan);
            assert.equal(balanceOf(draft, pseudonymAccount(pseudonym)), before[0]! - total);
            assert.equal(balanceOf(draft, GRID_ACCOUNT), before[1]! + total);
            consumerPaid += total;
          }
          for (const x of sales) {
            const sale = saleWith(x.generator, x.sold, x.price);
            const metered = { ...sale, ...computeSale(sale, terms, x.delivered) };
            const before = [balanceOf(draft, x.generator), balanceOf(draft, GRID_ACCOUNT)];
            const settled = settleSale(draft, metered);
            assert.equal(settled.status, 'settled');
            const paid = metered.energyMicroYuan - metered.penaltyMicroYuan;
            assert.equal(balanceOf(draft, x.generator), before[0]! + paid);
            assert.equal(balanceOf(draft, GRID_ACCOUNT), before[1]! - paid);
            generatorsPaid += paid;
          }
          const accounts = [GRID_ACCOUNT, 'gen-a', 'gen-b', pseudonymAccount(pseudonym)];
          assert.equal(
            accounts.reduce((sum, a) => sum + balanceOf(draft, a), 0n),
            0n,
          );
          assert.equal(balanceOf(draft, GRID_ACCOUNT), consumerPaid - generatorsPaid);
        },
      ),
      run(500),
    );
  });

  it('on chain, for random meter readings: documented amounts, balances = settled moves, summing to zero', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 16, maxLength: 16 }),
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 2, maxLength: 2 }),
        (consumed, delivered) => {
          const round = fullRound(new ContractChain(), {
            consumed: (b) => (b.contractedWh * BigInt(consumed[b.index % 16]!)) / 1_000_000n,
            delivered: (s) => (s.soldWh * BigInt(delivered[s.generator === 'gen-a' ? 0 : 1]!)) / 1_000_000n,
          });
          const { c, terms } = round;
          for (const b of round.issued) {
            assert.ok(b.meter !== null && b.status === 'issued');
            assert.deepEqual(
              {
                billedWh: b.billedWh,
                energyMicroYuan: b.energyMicroYuan,
                transmissionMicroYuan: b.transmissionMicroYuan,
                fundsMicroYuan: b.fundsMicroYuan,
                consumerPenaltyMicroYuan: b.consumerPenaltyMicroYuan,
              },
              documentedBill(b.contractedWh, b.contractedMicroYuan, terms, b.meter.consumedWh),
            );
          }
          assert.equal(round.sales.length, 2, 'one sale per offering generator');
          for (const s of round.sales) {
            assert.ok(s.meter !== null && s.status === 'settled');
            assert.deepEqual(
              {
                billedWh: s.billedWh,
                energyMicroYuan: s.energyMicroYuan,
                penaltyMicroYuan: s.penaltyMicroYuan,
              },
              documentedSale(s.soldWh, s.priceMicroYuanPerKWh, terms, s.meter.deliveredWh),
            );
          }
          // expected balances from the final statements (docs §8): each settled bill, each settled sale
          const expected = new Map<string, bigint>();
          const add = (a: string, x: bigint) => expected.set(a, (expected.get(a) ?? 0n) + x);
          for (const b of billsNow(c)) {
            if (b.status !== 'settled') continue;
            const total =
              b.energyMicroYuan + b.transmissionMicroYuan + b.fundsMicroYuan + b.consumerPenaltyMicroYuan;
            add(pseudonymAccount(b.consumer), -total);
            add(GRID_ACCOUNT, total);
          }
          for (const s of salesOf(c)) {
            assert.equal(s.status, 'settled');
            add(s.generator, s.energyMicroYuan - s.penaltyMicroYuan);
            add(GRID_ACCOUNT, -(s.energyMicroYuan - s.penaltyMicroYuan));
          }
          const draft = new Draft(c.state, group);
          const accounts = [
            GRID_ACCOUNT,
            'gen-a',
            'gen-b',
            ...[...round.pseudonyms.values()].map((k) => pseudonymAccount(k.publicKey)),
          ];
          for (const a of accounts) assert.equal(balanceOf(draft, a), expected.get(a) ?? 0n, a);
          assert.equal(
            accounts.reduce((sum, a) => sum + balanceOf(draft, a), 0n),
            0n,
          );
          assert.ok(billsNow(c).filter((b) => b.status === 'settled').length >= round.issued.length - 1);
        },
      ),
      run(4),
    );
  });
});
