import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesEqual, toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Writer } from '../../src/codec/writer.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { frame, sha256 } from '../../src/crypto/hash.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import {
  decodeTransaction,
  encodeTransaction,
  MAX_PAYLOAD_BYTES,
  MAX_TX_BYTES,
  type Transaction,
  TX_TAG,
  transactionId,
  txSigningBytes,
} from '../../src/ledger/transaction.ts';
import { ringTransaction, signOrgTransaction, signPseudonymTransaction } from '../../src/ledger/txSigning.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { encodeSchnorr } from '../../src/privacy/schnorr.ts';
import { CHAIN_ID, group } from './fixtures.ts';

const random = seededRandom('transaction tests');
const org = orgKeyPair(random(32));
const pseudonym = generateKeyPair(group, random);
const body = { chainId: CHAIN_ID, kind: 'memo', payload: Uint8Array.of(1, 2, 3) };

const orgTx = signOrgTransaction(body, 7n, org);
const pseudoTx = signPseudonymTransaction(
  group,
  { ...body, kind: 'bill.ack' },
  pseudonym,
  random(32),
  random,
);
const ringTx = ringTransaction({ ...body, kind: 'bill.confirm' }, random(32));
const samples = [orgTx, pseudoTx, ringTx];

function isTyped(e: unknown): boolean {
  return e instanceof DecodeError || isDppError(e);
}

describe('transaction encoding', () => {
  it('has the documented layout for the org scheme, field by field', () => {
    const expected = new Writer()
      .u8(1)
      .string(CHAIN_ID)
      .string('memo')
      .bytes(body.payload)
      .u8(1)
      .fixed(org.publicKey, 32)
      .u64(7n)
      .fixed(orgTx.tx.auth.scheme === 'org' ? orgTx.tx.auth.signature : new Uint8Array(), 64)
      .finish();
    assert.equal(toHex(orgTx.bytes), toHex(expected));
    assert.equal(toHex(transactionId(orgTx.bytes)), toHex(sha256(expected)));
  });

  it('has the documented layout for the pseudonym and ring schemes', () => {
    assert.equal(pseudoTx.tx.auth.scheme, 'pseudonym');
    if (pseudoTx.tx.auth.scheme !== 'pseudonym') return;
    const p = pseudoTx.tx.auth;
    const expected = new Writer()
      .u8(1)
      .string(CHAIN_ID)
      .string('bill.ack')
      .bytes(body.payload)
      .u8(2)
      .fixed(p.pseudonym, 32)
      .fixed(p.uniqueId, 32)
      .fixed(encodeSchnorr(p.signature), 64)
      .finish();
    assert.equal(toHex(pseudoTx.bytes), toHex(expected));
    if (ringTx.tx.auth.scheme !== 'ring') assert.fail('ring');
    const ring = new Writer()
      .u8(1)
      .string(CHAIN_ID)
      .string('bill.confirm')
      .bytes(body.payload)
      .u8(3)
      .fixed(ringTx.tx.auth.uniqueId, 32)
      .finish();
    assert.equal(toHex(ringTx.bytes), toHex(ring));
  });

  it('round-trips every scheme and every field', () => {
    for (const s of samples) {
      const decoded = decodeTransaction(group, s.bytes);
      assert.deepEqual(decoded, s.tx);
      assert.equal(toHex(encodeTransaction(decoded)), toHex(s.bytes));
    }
  });

  it('decoded fields own their bytes, also when the input is a Buffer (whose slice is a view)', () => {
    const buf = Buffer.from(orgTx.bytes);
    const decoded = decodeTransaction(group, buf);
    buf.fill(0);
    assert.deepEqual(decoded, orgTx.tx);
    assert.equal(Object.getPrototypeOf(decoded.payload), Uint8Array.prototype);
  });

  it('round-trips random chain ids, kinds, payloads and nonces (property)', () => {
    const name = (max: number) =>
      fc.stringMatching(/^[a-z0-9.-]+$/).filter((s) => s.length >= 1 && s.length <= max);
    fc.assert(
      fc.property(
        name(64),
        name(32),
        fc.uint8Array({ maxLength: 300 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (chainId, kind, payload, nonce) => {
          const s = signOrgTransaction({ chainId, kind, payload }, nonce, org);
          const d = decodeTransaction(group, s.bytes);
          assert.deepEqual(d, s.tx);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('signs everything but the signature, framed with dpp/tx/v1', () => {
    const sigLen = 64;
    const expected = frame(TX_TAG, [orgTx.bytes.subarray(0, orgTx.bytes.length - sigLen)]);
    assert.equal(toHex(txSigningBytes(orgTx.tx)), toHex(expected));
    // changing any signed field changes the signing bytes; changing the signature does not
    const other = { ...orgTx.tx, payload: Uint8Array.of(9) };
    assert.notEqual(toHex(txSigningBytes(other)), toHex(expected));
    if (orgTx.tx.auth.scheme !== 'org') assert.fail();
    const resigned: Transaction = { ...orgTx.tx, auth: { ...orgTx.tx.auth, signature: new Uint8Array(64) } };
    assert.equal(toHex(txSigningBytes(resigned)), toHex(expected));
  });

  it('refuses to encode out-of-range fields with a LedgerError', () => {
    const bad: [Transaction, string][] = [
      [{ ...orgTx.tx, chainId: '' }, 'LEDGER_BAD_FIELD'],
      [{ ...orgTx.tx, chainId: 'Upper' }, 'LEDGER_BAD_FIELD'],
      [{ ...orgTx.tx, chainId: 'x'.repeat(65) }, 'LEDGER_BAD_FIELD'],
      [{ ...orgTx.tx, kind: 'x'.repeat(33) }, 'LEDGER_BAD_FIELD'],
      [{ ...orgTx.tx, kind: 'no space' }, 'LEDGER_BAD_FIELD'],
      [{ ...orgTx.tx, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }, 'LEDGER_TOO_LARGE'],
      [
        {
          ...orgTx.tx,
          auth: { scheme: 'org', sender: new Uint8Array(31), nonce: 1n, signature: new Uint8Array(64) },
        },
        'LEDGER_BAD_FIELD',
      ],
      [
        {
          ...orgTx.tx,
          auth: { scheme: 'org', sender: new Uint8Array(32), nonce: -1n, signature: new Uint8Array(64) },
        },
        'LEDGER_BAD_FIELD',
      ],
      [
        {
          ...orgTx.tx,
          auth: { scheme: 'org', sender: new Uint8Array(32), nonce: 1n, signature: new Uint8Array(63) },
        },
        'LEDGER_BAD_FIELD',
      ],
    ];
    for (const [tx, code] of bad)
      assert.throws(
        () => encodeTransaction(tx),
        (e) => isDppError(e, code),
        code,
      );
  });

  it('accepts the largest payload and refuses a transaction over 70 KiB', () => {
    const big = { ...body, payload: new Uint8Array(MAX_PAYLOAD_BYTES) };
    const s = signOrgTransaction(big, 1n, org);
    assert.ok(s.bytes.length <= MAX_TX_BYTES);
    assert.deepEqual(decodeTransaction(group, s.bytes), s.tx);
    const tooBig = new Uint8Array(MAX_TX_BYTES + 1);
    assert.throws(
      () => decodeTransaction(group, tooBig),
      (e) => isDppError(e, 'DECODE_BAD_LENGTH'),
    );
  });
});

describe('transaction decoding is strict', () => {
  const refuse = (bytes: Uint8Array, code: string) =>
    assert.throws(
      () => decodeTransaction(group, bytes),
      (e) => e instanceof DecodeError && e.code === code,
      code,
    );

  it('refuses each malformed field with a precise DecodeError', () => {
    const b = orgTx.bytes;
    const version = b.slice();
    version[0] = 2;
    refuse(version, 'DECODE_BAD_VERSION');
    refuse(b.subarray(0, b.length - 1), 'DECODE_TRUNCATED');
    refuse(Uint8Array.of(...b, 0), 'DECODE_TRAILING_BYTES');
    const upper = b.slice();
    upper[5] = 'D'.charCodeAt(0); // chain id "Dppchain-test"
    refuse(upper, 'DECODE_OUT_OF_RANGE');
    const scheme = b.slice();
    scheme[b.length - 64 - 8 - 32 - 1] = 9;
    refuse(scheme, 'DECODE_BAD_TAG');
    const w = (kind: string) =>
      new Writer()
        .u8(1)
        .string(CHAIN_ID)
        .string(kind)
        .bytes(new Uint8Array())
        .u8(3)
        .fixed(new Uint8Array(32), 32)
        .finish();
    refuse(w(''), 'DECODE_OUT_OF_RANGE');
    refuse(w('a_b'), 'DECODE_OUT_OF_RANGE');
    refuse(w('x'.repeat(33)), 'DECODE_BAD_LENGTH');
    const longPayload = new Writer()
      .u8(1)
      .string(CHAIN_ID)
      .string('memo')
      .u32(MAX_PAYLOAD_BYTES + 1)
      .finish();
    refuse(longPayload, 'DECODE_BAD_LENGTH');
  });

  it('refuses an invalid pseudonym point and a non-canonical Schnorr scalar', () => {
    const b = pseudoTx.bytes;
    const keyAt = b.length - 64 - 32 - 32;
    const smallOrder = b.slice();
    smallOrder.set(new Uint8Array(32), keyAt); // 0 is not a valid subgroup element encoding
    smallOrder[keyAt] = 1; // the identity
    refuse(smallOrder, 'DECODE_INVALID_POINT');
    const bigScalar = b.slice();
    bigScalar.fill(0xff, b.length - 32); // z ≥ ℓ
    refuse(bigScalar, 'DECODE_NON_CANONICAL');
  });

  it('never crashes on random bytes or mutations of valid encodings (fuzz)', () => {
    const mutate = fc.record({
      base: fc.constantFrom(...samples.map((s) => s.bytes)),
      at: fc.nat(),
      op: fc.constantFrom('flip', 'truncate', 'insert', 'delete', 'set'),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), mutate), (input) => {
        let bytes: Uint8Array;
        if (input instanceof Uint8Array) bytes = input;
        else {
          const { base, at, op, byte } = input;
          const i = at % base.length;
          const arr = [...base];
          if (op === 'flip') arr[i] = arr[i]! ^ (1 << (byte % 8));
          else if (op === 'truncate') arr.length = i;
          else if (op === 'insert') arr.splice(i, 0, byte);
          else if (op === 'delete') arr.splice(i, 1);
          else arr[i] = byte;
          bytes = Uint8Array.from(arr);
        }
        try {
          const tx = decodeTransaction(group, bytes);
          // whatever decodes re-encodes to the same bytes: the encoding is canonical
          assert.ok(bytesEqual(encodeTransaction(tx), bytes));
        } catch (e) {
          if (!isTyped(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
