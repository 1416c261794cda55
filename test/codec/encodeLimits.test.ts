/**
 * Every size limit on the way out is a typed refusal naming the limit, never a bare RangeError
 * (issue 14): a payload list over its schema's bound (a meter transaction of 1 200 readings against
 * a bound of 1 024) is EncodeError ENCODE_LIMIT naming the record, the field and the limit; a payload
 * above MAX_PAYLOAD_BYTES, a transaction above MAX_TX_BYTES and a block above MAX_BLOCK_TXS are
 * LedgerError LEDGER_TOO_LARGE with the limit in their details.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeError } from '../../src/codec/encodeError.ts';
import { list, record, struct, u32, u64 } from '../../src/contracts/schema.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import { encodeBlock, MAX_BLOCK_TXS } from '../../src/ledger/block.ts';
import { EMPTY_CERTIFICATE } from '../../src/ledger/certificate.ts';
import { MAX_PAYLOAD_BYTES } from '../../src/ledger/transaction.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';

/** A payload shaped like `meter.submit` (src/contracts/metering.ts): a round and up to 1 024 readings. */
const meterLike = record('meter.submit', 2, {
  round: u64(),
  readings: list(struct({ bill: u32(), consumedWh: u64() }), 1_024),
});

const readings = (n: number) => Array.from({ length: n }, (_, i) => ({ bill: i, consumedWh: 1_000n }));

describe('encoding limits are typed and named', () => {
  it('a list over its bound is EncodeError ENCODE_LIMIT naming the record, the field and the limit', () => {
    assert.equal(meterLike.encode({ round: 1n, readings: readings(1_024) }).length > 0, true);
    assert.throws(
      () => meterLike.encode({ round: 1n, readings: readings(1_200) }),
      (e: unknown) => {
        assert.ok(e instanceof EncodeError, `a ${(e as Error).name}, not an EncodeError`);
        assert.equal(e.code, 'ENCODE_LIMIT');
        assert.equal(e.message, 'meter.submit: readings: list of 1200 exceeds the limit of 1024');
        assert.deepEqual(
          { ...e.details },
          { length: 1_200, limit: 1_024, limitName: 'list', field: 'readings', record: 'meter.submit' },
        );
        return true;
      },
    );
  });

  it('a nested list names its whole path', () => {
    const nested = record('test.nested', 1, { outer: struct({ items: list(u32(), 2) }) });
    assert.throws(
      () => nested.encode({ outer: { items: [1, 2, 3] } }),
      (e: unknown) => isDppError(e, 'ENCODE_LIMIT') && e.details.field === 'outer.items',
    );
  });

  it('a payload, a transaction and a block above their limits are LEDGER_TOO_LARGE naming the limit', () => {
    const key = orgKeyPair(new Uint8Array(32).fill(3));
    assert.throws(
      () =>
        signOrgTransaction(
          { chainId: 'dpp-limits', kind: 'memo', payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) },
          1n,
          key,
        ),
      (e: unknown) =>
        isDppError(e, 'LEDGER_TOO_LARGE') &&
        e.details.limitName === 'MAX_PAYLOAD_BYTES' &&
        e.details.limit === MAX_PAYLOAD_BYTES,
    );
    const header = {
      chainId: 'dpp-limits',
      height: 1n,
      prevHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      view: 0n,
      proposer: 0,
      timestampMs: 0n,
    };
    assert.throws(
      () =>
        encodeBlock({
          header,
          txs: Array.from({ length: MAX_BLOCK_TXS + 1 }, () => Uint8Array.of(1)),
          certificate: EMPTY_CERTIFICATE,
        }),
      (e: unknown) => isDppError(e, 'LEDGER_TOO_LARGE') && e.details.limitName === 'MAX_BLOCK_TXS',
    );
  });
});
