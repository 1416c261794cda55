/**
 * The size limit of metering lists (docs/protocol.md §7, src/contracts/metering.ts): a
 * `meter.submit` or `meter.generation` transaction carries at most MAX_ROUND_PARTICIPANTS (1,024)
 * readings. Encoding a longer list is refused with a typed error (a DppError with a code, not a bare
 * RangeError), a longer list on the wire is a DecodeError that makes the transaction invalid, and
 * the client actions (src/client/actions/submitMeterReadings.ts) split a long list into
 * consecutive transactions of at most 1,024 readings each, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  submitGenerationReadings,
  submitMeterReadings,
} from '../../src/client/actions/submitMeterReadings.ts';
import { orgContractTx } from '../../src/client/contractTx.ts';
import type { ParticipantClient, TxReceipt } from '../../src/client/participantClient.ts';
import { concatBytes } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { MAX_ROUND_PARTICIPANTS } from '../../src/contracts/records.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { isDppError } from '../../src/errors.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { CHAIN_ID, ContractChain, group, invalidReason } from './harness.ts';

const readings = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ bill: i, consumedWh: BigInt(1_000 + i) }));
const deliveries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ generator: `gen-${i}`, deliveredWh: BigInt(5_000 + i) }));

/** A typed error naming the limit: a DppError with a code, never a bare RangeError (which an API or CLI cannot map). */
const typed = (e: unknown) =>
  isDppError(e) &&
  /^[A-Z]+_[A-Z_]+$/.test(e.code) &&
  !(e instanceof RangeError) &&
  e.message.includes('1024');

describe('contracts: metering lists hold at most 1,024 readings', () => {
  it('1,024 readings encode and decode to themselves', () => {
    assert.equal(MAX_ROUND_PARTICIPANTS, 1_024);
    const submit = { round: 3n, readings: readings(1_024) };
    assert.deepEqual(meterPayload.decode(meterPayload.encode(submit), group), submit);
    const generation = { round: 3n, readings: deliveries(1_024) };
    assert.deepEqual(generationPayload.decode(generationPayload.encode(generation), group), generation);
  });

  it('more are refused at encoding with a typed error, not a RangeError', () => {
    for (const n of [1_025, 1_500]) {
      assert.throws(
        () => meterPayload.encode({ round: 1n, readings: readings(n) }),
        typed,
        `meter.submit ${n}`,
      );
      assert.throws(
        () => generationPayload.encode({ round: 1n, readings: deliveries(n) }),
        typed,
        `meter.generation ${n}`,
      );
    }
    // the client's transaction builder, which encodes with the same codec
    const c = new ContractChain();
    const key = c.key('agg-a').key;
    assert.throws(
      () =>
        orgContractTx(
          { chainId: CHAIN_ID, group },
          'meter.submit',
          meterPayload,
          { round: 1n, readings: readings(1_025) },
          key,
          1n,
        ),
      typed,
    );
  });

  it('a longer list on the wire does not decode (DECODE_BAD_LENGTH): the transaction is invalid', () => {
    // version ‖ u64 round ‖ u32 count ‖ count × (u32 bill ‖ u64 consumedWh): claim 1,025 and carry them
    const bytes = meterPayload.encode({ round: 1n, readings: readings(1_024) });
    const count = 1 + 8;
    const long = concatBytes(
      bytes.subarray(0, count),
      new Writer().u32(1_025).finish(),
      bytes.subarray(count + 4),
      new Writer().u32(1_024).u64(1n).finish(),
    );
    assert.throws(
      () => meterPayload.decode(long, group),
      (e: unknown) => isDppError(e, 'DECODE_BAD_LENGTH'),
    );
    const c = new ContractChain();
    const agg = c.key('agg-a').key;
    const tx = signOrgTransaction(
      { chainId: CHAIN_ID, kind: 'meter.submit', payload: long },
      nextNonce(c.state, agg.publicKey),
      agg,
    );
    assert.equal(invalidReason(c, tx), 'LEDGER_BAD_PAYLOAD');
  });
});

/** A participant that records what it is asked to send and answers each with a receipt. */
function recordingClient(): { client: ParticipantClient; sent: { kind: string; value: unknown }[] } {
  const sent: { kind: string; value: unknown }[] = [];
  const client: ParticipantClient = {
    id: 'agg-a',
    chain: { chainId: CHAIN_ID, group },
    read: () => Promise.reject(new Error('not used')),
    status: () => Promise.reject(new Error('not used')),
    send: () => Promise.reject(new Error('not used')),
    waitForChainTime: () => Promise.reject(new Error('not used')),
    sendOrg<T>(kind: string, codec: Codec<T>, value: T): Promise<TxReceipt> {
      // what a real participant would sign: it must encode
      codec.encode(value);
      sent.push({ kind, value });
      return Promise.resolve({
        kind,
        txId: String(sent.length).padStart(64, '0'),
        height: BigInt(sent.length),
        blockHash: '00'.repeat(32),
        certified: false,
      });
    },
  };
  return { client, sent };
}

describe('client: metering actions batch long lists', () => {
  it('submitMeterReadings sends 1,500 readings as 1,024 + 476, in order, one receipt each', async () => {
    const { client, sent } = recordingClient();
    const all = readings(1_500);
    const receipts = await submitMeterReadings(client, { round: 7n, readings: all });
    assert.equal(sent.length, 2);
    assert.deepEqual(
      sent.map((s) => s.kind),
      ['meter.submit', 'meter.submit'],
    );
    const values = sent.map((s) => s.value as { round: bigint; readings: typeof all });
    assert.deepEqual(
      values.map((v) => [v.round, v.readings.length]),
      [
        [7n, 1_024],
        [7n, 476],
      ],
    );
    assert.deepEqual(
      values.flatMap((v) => v.readings),
      all,
      'every reading once, in order',
    );
    assert.deepEqual(
      receipts.map((r) => r.height),
      [1n, 2n],
    );
  });

  it('submitGenerationReadings: 1,025 → 1,024 + 1; exactly 1,024 → one transaction; none → none', async () => {
    for (const [n, sizes] of [
      [1_025, [1_024, 1]],
      [1_024, [1_024]],
      [3, [3]],
      [0, []],
    ] as const) {
      const { client, sent } = recordingClient();
      const all = deliveries(n);
      const receipts = await submitGenerationReadings(client, { round: 2n, readings: all });
      const values = sent.map((s) => s.value as { round: bigint; readings: typeof all });
      assert.deepEqual(
        values.map((v) => v.readings.length),
        [...sizes],
        `${n} readings`,
      );
      assert.ok(sent.every((s) => s.kind === 'meter.generation'));
      assert.deepEqual(
        values.flatMap((v) => v.readings),
        all,
      );
      assert.equal(receipts.length, sizes.length);
    }
    const { client, sent } = recordingClient();
    await submitMeterReadings(client, { round: 1n, readings: readings(2_048) });
    assert.deepEqual(
      sent.map((s) => (s.value as { readings: unknown[] }).readings.length),
      [1_024, 1_024],
    );
  });
});
