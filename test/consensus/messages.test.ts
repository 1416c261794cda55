import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import {
  decodeSigned,
  encodeSigned,
  type Message,
  type Signed,
  signingBytes,
} from '../../src/consensus/messages.ts';
import { commitVoteBytes } from '../../src/ledger/certificate.ts';

const d = (b: number) => new Uint8Array(32).fill(b);
const sig = new Uint8Array(64).fill(9);
const cert = {
  height: 7n,
  digest: d(1),
  certificate: {
    view: 3n,
    votes: [
      { validatorIndex: 0, signature: sig },
      { validatorIndex: 2, signature: sig },
    ],
  },
};
const prepares = [
  { validator: 0, signature: sig },
  { validator: 2, signature: sig },
];
const prepared = { view: 2n, height: 8n, digest: d(2), prePrepareSignature: sig, prepares };
const samples: Message[] = [
  { type: 'pre-prepare', view: 1n, height: 2n, digest: d(3), payload: new Uint8Array([1, 2, 3]) },
  { type: 'prepare', view: 1n, height: 2n, digest: d(3) },
  { type: 'commit', view: 1n, height: 2n, digest: d(3) },
  { type: 'checkpoint', height: 16n, digest: d(4) },
  {
    type: 'view-change',
    newView: 4n,
    committedHeight: 7n,
    committed: cert,
    prepared,
    preparedPayload: new Uint8Array([5]),
  },
  {
    type: 'view-change',
    newView: 1n,
    committedHeight: 0n,
    committed: null,
    prepared: null,
    preparedPayload: null,
  },
  {
    type: 'new-view',
    view: 4n,
    viewChanges: [
      {
        sender: 1,
        message: {
          type: 'view-change',
          newView: 4n,
          committedHeight: 7n,
          committed: cert,
          prepared: null,
          preparedPayload: null,
        },
        signature: sig,
      },
    ],
    prePrepare: {
      sender: 0,
      message: { type: 'pre-prepare', view: 4n, height: 8n, digest: d(2), payload: new Uint8Array([7]) },
      signature: sig,
    },
  },
  { type: 'fetch-blocks', fromHeight: 5n, count: 8 },
  { type: 'blocks', blocks: [{ payload: new Uint8Array([9, 9]), ...cert }] },
];
const stringify = (x: unknown) =>
  JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v));

describe('consensus messages', () => {
  it('every message type round-trips through its canonical encoding', () => {
    for (const message of samples) {
      const signed: Signed = { sender: 2, message, signature: sig };
      const bytes = encodeSigned(signed);
      assert.equal(stringify(decodeSigned(bytes)), stringify(signed), message.type);
      assert.deepEqual(encodeSigned(decodeSigned(bytes)), bytes);
    }
  });

  it('signed bytes separate types, senders and chains; a commit signs exactly the commit vote', () => {
    const prepare: Message = { type: 'prepare', view: 1n, height: 2n, digest: d(3) };
    const commit: Message = { type: 'commit', view: 1n, height: 2n, digest: d(3) };
    const all = [
      signingBytes('a', 1, prepare),
      signingBytes('b', 1, prepare),
      signingBytes('a', 2, prepare),
      signingBytes('a', 1, commit),
      signingBytes('a', 1, { ...prepare, type: 'pre-prepare', payload: new Uint8Array() } as Message),
    ].map(toHex);
    assert.equal(new Set(all).size, all.length);
    assert.equal(toHex(signingBytes('a', 1, commit)), toHex(commitVoteBytes('a', 1n, 2n, d(3))));
    // The attached payload of a view change is not signed.
    const vc = samples[4] as Extract<Message, { type: 'view-change' }>;
    assert.equal(
      toHex(signingBytes('a', 1, vc)),
      toHex(signingBytes('a', 1, { ...vc, preparedPayload: null })),
    );
  });

  it('decoding arbitrary or mutated bytes throws only DecodeError', () => {
    const valid = samples.map((message) => encodeSigned({ sender: 1, message, signature: sig }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(fc.nat(valid.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat())
            .map(([k, at, x, cut]) => {
              const b = valid[k]!.slice();
              b[at % b.length]! ^= x;
              return b.subarray(0, cut % (b.length + 1));
            }),
        ),
        (bytes) => {
          try {
            decodeSigned(bytes);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses oversized claims before allocating, unknown types and flags other than 0/1', () => {
    const ok = encodeSigned({ sender: 1, message: samples[1]!, signature: sig });
    const huge = ok.slice();
    new DataView(huge.buffer).setUint32(4, 0xfffffff0);
    assert.throws(
      () => decodeSigned(huge),
      (e) => e instanceof DecodeError && e.code === 'DECODE_BAD_LENGTH',
    );
    const badType = ok.slice();
    badType[1] = 99;
    assert.throws(
      () => decodeSigned(badType),
      (e) => e instanceof DecodeError && e.code === 'DECODE_BAD_TAG',
    );
    const vc = encodeSigned({ sender: 1, message: samples[5]!, signature: sig });
    const flag = vc.slice();
    flag[8 + 16] = 2; // the 'committed' flag after newView and committedHeight
    assert.throws(() => decodeSigned(flag), DecodeError);
  });
});
