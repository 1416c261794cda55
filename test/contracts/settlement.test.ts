/**
 * Bills and settlement as properties (docs/protocol.md §7–§8): a bill's amounts follow the
 * documented formulas — written out again here, independently of `computeBill` — for any meter
 * reading; settling any bill moves money that sums to zero; and on the chain, for random meter
 * readings of a whole round, every issued bill carries the documented amounts and every balance is
 * exactly the sum of its settled bills' moves, the moves of the round summing to zero.
 * Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Draft } from '../../src/contracts/draft.ts';
import { computeBill } from '../../src/contracts/metering.ts';
import type { BillRecord, RoundTerms } from '../../src/contracts/records.ts';
import { contractedBill } from '../../src/contracts/rounds.ts';
import { balanceOf, GRID_ACCOUNT, pseudonymAccount, settleBill } from '../../src/contracts/settlement.ts';
import { MemoryState } from '../../src/ledger/worldState.ts';
import { ContractChain, group } from './harness.ts';
import { billsOf as billsNow, fullRound, termsAt } from './scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 424_242);
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

/** x / d rounded half up, for x ≥ 0 (docs: "halves rounded up"). */
const halfUp = (x: bigint, d: bigint): bigint => (2n * x + d) / (2n * d);
/** µ¥ for an energy at a price: Wh × µ¥/kWh / 1000. */
const money = (wh: bigint, price: bigint): bigint => halfUp(wh * price, 1000n);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** The bill of docs/protocol.md §7, from scratch. */
function documentedBill(
  contracted: bigint,
  price: bigint,
  t: RoundTerms,
  delivered: bigint,
  consumed: bigint,
) {
  let billed = delivered < consumed ? delivered : consumed;
  if (contracted < billed) billed = contracted;
  const tolerance = (contracted * BigInt(t.tolerancePpm)) / 1_000_000n;
  const penalty = (metered: bigint) => {
    const beyond = abs(metered - contracted) - tolerance;
    return beyond > 0n ? money(beyond, t.penaltyMicroYuanPerKWh) : 0n;
  };
  return {
    billedWh: billed,
    energyMicroYuan: money(billed, price),
    transmissionMicroYuan: money(billed, t.transmissionMicroYuanPerKWh),
    fundsMicroYuan: money(billed, t.fundsMicroYuanPerKWh),
    generatorPenaltyMicroYuan: penalty(delivered),
    consumerPenaltyMicroYuan: penalty(consumed),
  };
}

const energy = fc.bigInt({ min: 0n, max: 10_000_000_000_000n });
const tariff = fc.bigInt({ min: 0n, max: 100_000_000n });
const pseudonym = group.mulBase(group.scalarFromWide(new Uint8Array(64).fill(5)));

function billWith(contractedWh: bigint, priceMicroYuanPerKWh: bigint, generator = 'gen-a'): BillRecord {
  const contract = {
    generator,
    consumer: pseudonym,
    aggregator: 'agg-a',
    energyWh: contractedWh,
    priceMicroYuanPerKWh,
  };
  return { ...contractedBill(1n, 0, contract), status: 'issued' };
}

describe(`contracts: bill amounts and settlement (seed ${SEED})`, () => {
  it('computeBill follows the documented formulas for any reading', () => {
    fc.assert(
      fc.property(
        energy,
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
          const got = computeBill(billWith(contracted, price), terms, delivered, consumed);
          assert.deepEqual(got, documentedBill(contracted, price, terms, delivered, consumed));
          assert.ok(got.billedWh <= contracted && got.billedWh <= delivered && got.billedWh <= consumed);
        },
      ),
      run(2000),
    );
  });

  it('settling any bill moves money that sums to zero (penalties waived or not)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            contracted: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
            price: tariff,
            delivered: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
            consumed: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
            generator: fc.constantFrom('gen-a', 'gen-b'),
            waive: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (bills) => {
          const draft = new Draft(new MemoryState(), group);
          const terms = termsAt(0n);
          for (const b of bills) {
            const bill = billWith(b.contracted, b.price, b.generator);
            const metered = { ...bill, ...computeBill(bill, terms, b.delivered, b.consumed) };
            const settled = settleBill(draft, metered, b.waive);
            assert.equal(settled.status, 'settled');
            if (b.waive)
              assert.equal(settled.generatorPenaltyMicroYuan + settled.consumerPenaltyMicroYuan, 0n);
          }
          const accounts = [GRID_ACCOUNT, 'gen-a', 'gen-b', pseudonymAccount(pseudonym)];
          assert.equal(
            accounts.reduce((sum, a) => sum + balanceOf(draft, a), 0n),
            0n,
          );
        },
      ),
      run(500),
    );
  });

  it('on chain, for random meter readings: documented amounts, balances = settled moves, summing to zero', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            delivered: fc.integer({ min: 0, max: 2_000_000 }),
            consumed: fc.integer({ min: 0, max: 2_000_000 }),
          }),
          { minLength: 16, maxLength: 16 },
        ),
        (factors) => {
          const round = fullRound(new ContractChain(), (b) => ({
            deliveredWh: (b.contractedWh * BigInt(factors[b.index % 16]!.delivered)) / 1_000_000n,
            consumedWh: (b.contractedWh * BigInt(factors[b.index % 16]!.consumed)) / 1_000_000n,
          }));
          const { c, terms } = round;
          for (const b of round.issued) {
            assert.ok(b.meter !== null && b.status === 'issued');
            const { meter, contractedWh, priceMicroYuanPerKWh, ...amounts } = b;
            assert.deepEqual(
              {
                billedWh: amounts.billedWh,
                energyMicroYuan: amounts.energyMicroYuan,
                transmissionMicroYuan: amounts.transmissionMicroYuan,
                fundsMicroYuan: amounts.fundsMicroYuan,
                generatorPenaltyMicroYuan: amounts.generatorPenaltyMicroYuan,
                consumerPenaltyMicroYuan: amounts.consumerPenaltyMicroYuan,
              },
              documentedBill(contractedWh, priceMicroYuanPerKWh, terms, meter.deliveredWh, meter.consumedWh),
            );
          }
          // expected balances from the final bills: each settled bill's moves (docs §8)
          const expected = new Map<string, bigint>();
          const add = (a: string, x: bigint) => expected.set(a, (expected.get(a) ?? 0n) + x);
          const draft = new Draft(c.state, group);
          for (const b of billsNow(c)) {
            if (b.status !== 'settled') continue;
            const grid = b.transmissionMicroYuan + b.fundsMicroYuan;
            add(pseudonymAccount(b.consumer), -(b.energyMicroYuan + grid + b.consumerPenaltyMicroYuan));
            add(b.generator, b.energyMicroYuan - b.generatorPenaltyMicroYuan);
            add(GRID_ACCOUNT, grid + b.consumerPenaltyMicroYuan + b.generatorPenaltyMicroYuan);
          }
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
