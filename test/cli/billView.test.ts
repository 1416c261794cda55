/**
 * How `dpp bill show` and `dpp reputation` word a bill and a consumer's statement
 * (src/cli/billView.ts): the generator a bill is addressed to among its suppliers, its contracted
 * energy, energy part and average price (labelled as an average), what was consumed; every part of
 * the bill under its label (contracts/billAmount.ts, the dashboard's labels too) adding up to the
 * total settlement takes, "not metered yet" instead of zeros for a bill not metered, and a
 * consumer's owed and paid amounts over its pseudonyms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressedText, amountText, averagePrice, billLines, statementText } from '../../src/cli/billView.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { billAmount, billStatement } from '../../src/contracts/billAmount.ts';
import type { BillRecord } from '../../src/contracts/records.ts';
import { group } from '../contracts/harness.ts';

const y = group.mulBase(group.scalarFromWide(new Uint8Array(64).fill(1)));

/** The bill of the issue: 7.495 MWh from 3 suppliers for 2,932.79 ¥, an average of 0.3913 ¥/kWh. */
const issued: BillRecord = {
  round: 1n,
  index: 0,
  generator: 'g1.bus1',
  consumer: y,
  aggregator: 'aggregator-a1',
  ring: 2,
  suppliers: 3,
  contractedWh: 7_495_000n,
  contractedMicroYuan: 2_932_794_000n,
  status: 'issued',
  meter: { consumedWh: 7_495_000n, meteredAtMs: 1n },
  billedWh: 7_495_000n,
  energyMicroYuan: 2_932_794_000n,
  transmissionMicroYuan: 1_070_286_000n,
  fundsMicroYuan: 195_195_000n,
  consumerPenaltyMicroYuan: 12_345_000n,
  respondedAtMs: null,
  response: null,
  resolution: '',
};
const contracted: BillRecord = {
  ...issued,
  status: 'contracted',
  meter: null,
  billedWh: 0n,
  energyMicroYuan: 0n,
  transmissionMicroYuan: 0n,
  fundsMicroYuan: 0n,
  consumerPenaltyMicroYuan: 0n,
};

describe('CLI: one bill', () => {
  it('is addressed to one of its suppliers, at an average price of its energy part over its energy', () => {
    // 2,932,794,000 µ¥ × 1000 ÷ 7,495,000 Wh = 391,300.06… µ¥/kWh
    assert.equal(averagePrice(issued), 391_300n);
    assert.equal(averagePrice({ contractedWh: 3n, contractedMicroYuan: 1n }), 333n, 'rounded half up');
    assert.equal(averagePrice({ contractedWh: 2_000n, contractedMicroYuan: 1n }), 1n, '0.5 rounds up');
    assert.equal(averagePrice({ ...issued, contractedWh: 0n }), null);
    assert.equal(addressedText(issued), 'addressed to g1.bus1, one of its 3 suppliers');
    assert.equal(addressedText({ ...issued, suppliers: 1 }), 'addressed to g1.bus1, its only supplier');
    const pseudonym = `${toHex(y).slice(0, 12)}…`;
    assert.deepEqual(billLines(issued), [
      `#0     ${pseudonym} (aggregator-a1, ring 2) · addressed to g1.bus1, one of its 3 suppliers · issued`,
      '       contracted 7.495 MWh, energy part 2,932.79 ¥ (average 0.3913 ¥/kWh) · consumed 7.495 MWh',
      '       billed 7.495 MWh: energy 2,932.79 ¥ + T&D 1,070.29 ¥ + government funds 195.20 ¥ + deviation penalty 12.35 ¥ = total 4,210.62 ¥',
    ]);
    assert.deepEqual(billLines(contracted).slice(1), [
      '       contracted 7.495 MWh, energy part 2,932.79 ¥ (average 0.3913 ¥/kWh)',
      '       not metered yet',
    ]);
  });
});

describe('CLI: one bill amount', () => {
  it('a metered bill: each part under its label, and the total settlement takes', () => {
    assert.equal(
      amountText(billAmount(issued)),
      'billed 7.495 MWh: energy 2,932.79 ¥ + T&D 1,070.29 ¥ + government funds 195.20 ¥ + deviation penalty 12.35 ¥ = total 4,210.62 ¥',
    );
    assert.equal(billAmount(issued).totalMicroYuan, 4_210_620_000n);
  });

  it('a bill not metered yet says so, not "billed 0.00 MWh · 0.00 ¥"', () => {
    assert.equal(amountText(billAmount(contracted)), 'not metered yet');
  });

  it('a consumer’s statement: owed and paid over its pseudonyms', () => {
    const settled = { ...issued, status: 'settled' as const };
    const s = billStatement([issued, settled, settled, contracted], 2);
    assert.equal(
      statementText(s),
      'over its 2 pseudonyms: owes 4,210.62 ¥ (1 bill issued or overdue, unpaid) · paid 8,421.24 ¥ (2 bills settled) · 1 bill not metered yet',
    );
    assert.equal(
      statementText(billStatement([{ ...issued, status: 'disputed' }], 1)),
      'over its 1 pseudonym: owes 0.00 ¥ (0 bills issued or overdue, unpaid) · paid 0.00 ¥ (0 bills settled) · 4,210.62 ¥ in dispute (1 bill)',
    );
  });
});
