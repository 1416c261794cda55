/**
 * The rings of a round (src/contracts/rings.ts, docs/privacy.md §7): the rule that partitions an
 * aggregator's billed pseudonyms — ringSize..2·ringSize − 1 members per ring (all of them when
 * fewer than ringSize), every member in exactly one ring, independent of the order the members are
 * given in, fixed by a frozen known answer and by an independent implementation of the documented
 * hashes, and changed by the chain, the round and the aggregator — and its use on chain: clearing
 * stores each aggregator's partition and names each bill's ring; a `bill.respond` is verified
 * against the ring it names (made over another ring: CONTRACT_BAD_SIGNCRYPTION; naming a ring that
 * does not exist: CONTRACT_BAD_RING); and a generator cannot acknowledge a response from one ring
 * as the answer to a bill of another, even with the bill's own pseudonym's signature inside.
 * Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareBytes, toHex } from '../../src/codec/bytes.ts';
import {
  acknowledgePayload,
  BILL_RESPONSE_PURPOSE,
  billResponseSigningBytes,
  remarksHash,
} from '../../src/contracts/billResponses.ts';
import { pseudonymRevokePayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import { MAX_RING_SIZE, MIN_RING_SIZE } from '../../src/contracts/records.ts';
import { partitionRings } from '../../src/contracts/rings.ts';
import type { Point } from '../../src/crypto/group.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { schnorrVerify } from '../../src/privacy/schnorr.ts';
import { CHAIN_ID, ContractChain, group, invalidReason } from './harness.ts';
import {
  billsOf,
  closeRound,
  meterAll,
  OK,
  ownerOf,
  R,
  respondTo,
  ringNow,
  ringOfBill,
  setUpRound,
  tamperedResponse,
} from './scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 141_414);
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });
const BAD_SC = 'LEDGER_UNAUTHORISED:CONTRACT_BAD_SIGNCRYPTION';
const BAD_RING = 'LEDGER_UNAUTHORISED:CONTRACT_BAD_RING';

const asPoint = (b: Uint8Array): Point => b as Point;
const hex = (ring: readonly Uint8Array[]) => ring.map(toHex);

/** n distinct 32-byte members (the rule hashes and sorts encodings; it never does group arithmetic). */
const membersArb = (minLength: number, maxLength: number) =>
  fc
    .uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
      minLength,
      maxLength,
      selector: (b) => toHex(b),
    })
    .map((xs) => xs.map(asPoint));

/** The rule of rings.ts's header, written out again with node:crypto: seed, ranks, then ring i = positions ≡ i (mod m). */
function referencePartition(
  chainId: string,
  round: bigint,
  aggregator: string,
  members: readonly Uint8Array[],
  k: number,
): string[][] {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return b;
  };
  const u64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    return b;
  };
  const str = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
  const sha = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const sorted = [...members].sort(compareBytes);
  const seed = sha(
    str('dpp/rings/v1'),
    str(chainId),
    u64(round),
    str(aggregator),
    u32(sorted.length),
    ...sorted,
  );
  const ranked = sorted
    .map((y) => ({ y, rank: sha(seed, y) }))
    .sort((a, b) => Buffer.compare(a.rank, b.rank) || compareBytes(a.y, b.y));
  const m = Math.max(1, Math.floor(sorted.length / k));
  const rings: Uint8Array[][] = Array.from({ length: m }, () => []);
  ranked.forEach(({ y }, p) => {
    rings[p % m]!.push(y);
  });
  return rings.map((r) => hex(r.sort(compareBytes)));
}

describe(`contracts: the ring partition rule (seed ${SEED})`, () => {
  it('every ring has k..2k − 1 members (all n when n < k); every member is in exactly one ring; each ring sorted', () => {
    fc.assert(
      fc.property(membersArb(1, 300), fc.integer({ min: MIN_RING_SIZE, max: 40 }), (members, k) => {
        const rings = partitionRings(CHAIN_ID, R, 'agg-a', members, k);
        const n = members.length;
        assert.equal(rings.length, Math.max(1, Math.floor(n / k)));
        if (n < k)
          assert.deepEqual(
            rings.map((r) => r.length),
            [n],
          );
        else
          for (const ring of rings)
            assert.ok(ring.length >= k && ring.length <= 2 * k - 1, `${ring.length} of k = ${k}`);
        // sizes differ by at most one (round-robin over the ranked members)
        const sizes = rings.map((r) => r.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        assert.deepEqual(
          rings.flat().map(toHex).sort(),
          members.map(toHex).sort(),
          'a partition: each member once, no one else',
        );
        for (const ring of rings) assert.deepEqual(hex(ring), hex([...ring].sort(compareBytes)));
      }),
      run(200),
    );
  });

  it('the largest ring fits the record: at most 2·MAX_RING_SIZE − 1 members', () => {
    const members = Array.from({ length: 2 * MAX_RING_SIZE - 1 }, (_, i) => {
      const y = new Uint8Array(32);
      y[0] = i >> 8;
      y[1] = i & 0xff;
      return asPoint(y);
    });
    const rings = partitionRings(CHAIN_ID, R, 'agg-a', members, MAX_RING_SIZE);
    assert.deepEqual(
      rings.map((r) => r.length),
      [2 * MAX_RING_SIZE - 1],
    );
  });

  it('canonical: the same set in any order gives the same rings', () => {
    fc.assert(
      fc.property(
        membersArb(1, 120),
        fc.integer({ min: MIN_RING_SIZE, max: 12 }),
        fc.integer(),
        (members, k, salt) => {
          const shuffled = members
            .map((y, i) => ({ y, key: (Math.imul(i + 1, 2_654_435_761) ^ salt) >>> 0 }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.y);
          assert.deepEqual(
            partitionRings(CHAIN_ID, R, 'agg-b', shuffled, k).map(hex),
            partitionRings(CHAIN_ID, R, 'agg-b', members, k).map(hex),
          );
          assert.deepEqual(
            partitionRings(CHAIN_ID, R, 'agg-b', [...members].reverse(), k).map(hex),
            partitionRings(CHAIN_ID, R, 'agg-b', members, k).map(hex),
          );
        },
      ),
      run(100),
    );
  });

  it('deterministic: the documented hashes (an independent implementation) and a frozen known answer', () => {
    fc.assert(
      fc.property(
        membersArb(1, 80),
        fc.integer({ min: MIN_RING_SIZE, max: 10 }),
        fc.bigInt({ min: 1n, max: 1n << 40n }),
        fc.constantFrom('agg-a', 'agg-b', 'aggregator.north-7'),
        (members, k, round, aggregator) => {
          assert.deepEqual(
            partitionRings(CHAIN_ID, round, aggregator, members, k).map(hex),
            referencePartition(CHAIN_ID, round, aggregator, members, k),
          );
        },
      ),
      run(100),
    );
    // seven members 0x01…01 … 0x07…07, rings of 3: two rings of 4 and 3 (by first byte)
    const seven = Array.from({ length: 7 }, (_, i) => asPoint(new Uint8Array(32).fill(i + 1)));
    const firstBytes = (rings: Point[][]) => rings.map((r) => r.map((y) => y[0]));
    assert.deepEqual(firstBytes(partitionRings('dpp-ring-vector', 7n, 'agg-a', seven, 3)), [
      [2, 3, 4, 5],
      [1, 6, 7],
    ]);
    assert.deepEqual(firstBytes(partitionRings('dpp-ring-vector', 7n, 'agg-a', seven.slice(0, 2), 3)), [
      [1, 2],
    ]);
  });

  it('another chain, round or aggregator draws another partition', () => {
    const members = Array.from({ length: 24 }, (_, i) => asPoint(new Uint8Array(32).fill(i + 1)));
    const base = hex(partitionRings(CHAIN_ID, R, 'agg-a', members, 2).flat());
    const of = (chainId: string, round: bigint, aggregator: string) =>
      partitionRings(chainId, round, aggregator, members, 2).map(hex);
    const reference = of(CHAIN_ID, R, 'agg-a');
    for (const [what, other] of [
      ['chain', of('dppchain-other', R, 'agg-a')],
      ['round', of(CHAIN_ID, R + 1n, 'agg-a')],
      ['aggregator', of(CHAIN_ID, R, 'agg-b')],
    ] as const) {
      assert.notDeepEqual(other, reference, `another ${what}`);
      assert.deepEqual(
        other.flat().sort(),
        [...base].sort(),
        `another ${what}: still a partition of the same members`,
      );
    }
    // the seed is over the whole set: adding one member re-draws the others' rings
    const more = partitionRings(CHAIN_ID, R, 'agg-a', [...members, asPoint(new Uint8Array(32).fill(99))], 2)
      .map(hex)
      .map((r) => r.filter((y) => !y.startsWith('63')));
    assert.notDeepEqual(more, reference);
  });
});

describe('contracts: rings on chain', () => {
  // three pseudonyms per consumer: six bills per aggregator, rings of 2..3 → several rings each
  const s = setUpRound(new ContractChain('rings'), { pseudonymsPerConsumer: 3 });
  const { c } = s;
  closeRound(s);
  const bills = meterAll(s);
  const queries = () => new ContractQueries(c.state, group);
  const ofAggA = bills.filter((b) => b.aggregator === 'agg-a');
  const [mine, theirs] = [ofAggA[0]!, ofAggA.find((b) => b.ring !== ofAggA[0]!.ring)!];

  it('clearing stores each aggregator’s partition of its billed pseudonyms, and each bill names the ring holding its pseudonym', () => {
    for (const aggregator of ['agg-a', 'agg-b']) {
      const billed = bills.filter((b) => b.aggregator === aggregator);
      const expected = partitionRings(
        CHAIN_ID,
        R,
        aggregator,
        billed.map((b) => b.consumer),
        s.terms.ringSize,
      );
      assert.ok(expected.length >= 2, `${aggregator} has several rings`);
      assert.equal(queries().ringCount(R, aggregator), expected.length);
      expected.forEach((ring, i) => {
        assert.deepEqual(hex(queries().ring(R, aggregator, i)!), hex(ring));
      });
      assert.equal(queries().ring(R, aggregator, expected.length), undefined);
      for (const b of billed) {
        assert.ok(
          expected[b.ring]!.some((y) => toHex(y) === toHex(b.consumer)),
          `bill ${b.index}'s ring holds it`,
        );
        assert.deepEqual(hex(ringOfBill(c, b)), hex(expected[b.ring]!), 'all its members active');
      }
    }
    assert.equal(queries().ringCount(R, 'gen-a'), 0, 'no rings for a member with no billed consumers');
    assert.ok(theirs !== undefined, 'agg-a has a bill in another ring');
  });

  it('a response over another ring than the one it names is invalid; naming a ring that does not exist is invalid', () => {
    const mineRing = ringOfBill(c, mine);
    const theirRing = ringOfBill(c, theirs);
    assert.equal(
      invalidReason(c, tamperedResponse(s, mine).tx),
      undefined,
      'over its own ring, naming it: valid',
    );
    // made over my ring, naming theirs (which exists, with other members)
    assert.equal(invalidReason(c, tamperedResponse(s, mine, { ringIndex: theirs.ring }).tx), BAD_SC);
    // made over my ring and theirs together, naming either
    const union = [...mineRing, ...theirRing];
    assert.equal(invalidReason(c, tamperedResponse(s, mine, { ring: union }).tx), BAD_SC);
    assert.equal(
      invalidReason(c, tamperedResponse(s, mine, { ring: union, ringIndex: theirs.ring }).tx),
      BAD_SC,
    );
    // naming ring 0 of the other aggregator, which exists
    assert.equal(
      invalidReason(c, tamperedResponse(s, mine, { aggregator: 'agg-b', ringIndex: 0 }).tx),
      BAD_SC,
    );
    // a ring index past the aggregator's rings, or of an aggregator with none
    const count = queries().ringCount(R, 'agg-a');
    assert.equal(invalidReason(c, tamperedResponse(s, mine, { ringIndex: count }).tx), BAD_RING);
    assert.equal(invalidReason(c, tamperedResponse(s, mine, { ringIndex: 0xffff_ffff }).tx), BAD_RING);
    assert.equal(
      invalidReason(c, tamperedResponse(s, mine, { aggregator: 'gen-a', ringIndex: 0 }).tx),
      BAD_RING,
    );
    // their own response, in their own ring: valid
    assert.equal(invalidReason(c, respondTo(s, theirs)), undefined);
  });

  it('a member of another ring, even with the bill’s own signature inside, cannot have its response acknowledged for the bill', () => {
    // The owner of `theirs` lends its pseudonym's signature on a confirmation of its bill to the
    // owner of `mine`, who signcrypts it within its own ring: the response is valid (a member of
    // the ring it names sent it), but acknowledging it as the answer to `theirs` would settle a bill
    // from a ring its consumer is not in — so bill.acknowledge refuses it (bill.ring ≠ ringIndex).
    const forged = tamperedResponse(s, theirs, {
      signer: ownerOf(s, mine)[1],
      ring: ringOfBill(c, mine),
      ringIndex: mine.ring,
      billSigner: ownerOf(s, theirs)[1],
    });
    assert.deepEqual(c.one(forged.tx), OK, 'valid: a member of the named ring sent it');
    const response = transactionId(forged.tx.bytes);
    const uniqueId = forged.tx.tx.auth.scheme === 'ring' ? forged.tx.tx.auth.uniqueId : new Uint8Array(32);
    const message = billResponseSigningBytes(CHAIN_ID, R, theirs.index, 'confirm', remarksHash(''), uniqueId);
    assert.ok(
      schnorrVerify(group, BILL_RESPONSE_PURPOSE, theirs.consumer, message, forged.signature),
      'the signature inside is the bill’s own: only the ring check stands in the way',
    );
    const ack = {
      response,
      round: R,
      bill: theirs.index,
      verdict: 'confirm' as const,
      remarksHash: remarksHash(''),
      signature: forged.signature,
    };
    assert.deepEqual(c.one(c.org(theirs.generator, 'bill.acknowledge', acknowledgePayload, ack)), {
      status: 'failed',
      code: 'CONTRACT_BAD_SIGNATURE',
    });
    assert.deepEqual(
      c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]),
      ['nonce'],
      'nothing but the generator’s nonce changed',
    );
    assert.equal(billsOf(c)[theirs.index]!.status, 'issued');
    assert.equal(queries().response(response)!.status, 'pending');
  });

  it('a revoked pseudonym leaves its ring: a response over the stored ring no longer verifies, over the active one it does', () => {
    const fresh = setUpRound(new ContractChain('rings-revoked'), { pseudonymsPerConsumer: 3 });
    closeRound(fresh);
    const b = billsOf(fresh.c).find((x) => x.aggregator === 'agg-a')!;
    const stored = new ContractQueries(fresh.c.state, group).ring(R, 'agg-a', b.ring)!;
    const mate = stored.find((y) => toHex(y) !== toHex(b.consumer))!;
    assert.deepEqual(
      fresh.c.one(
        fresh.c.org('trading-centre', 'pseudonym.revoke', pseudonymRevokePayload, { key: asPoint(mate) }),
      ),
      OK,
    );
    const active = ringNow(fresh.c, 'agg-a', b.ring);
    assert.equal(active.length, stored.length - 1);
    assert.ok(!active.some((y) => toHex(y) === toHex(mate)));
    assert.equal(
      invalidReason(fresh.c, tamperedResponse(fresh, b, { ring: stored.map(asPoint) }).tx),
      BAD_SC,
    );
    assert.equal(invalidReason(fresh.c, tamperedResponse(fresh, b).tx), undefined);
  });
});
