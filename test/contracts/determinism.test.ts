/**
 * Determinism of contract execution (docs/ledger.md §1): the same blocks executed on separate
 * in-memory chains — one more with libsodium, one with the noble group backend verifying every
 * pseudonym signature, ring signcryption and proof — give identical receipts and state roots after
 * every block, through a whole round (settling and certifying the submitted prices inside
 * execution, the statements and rings it records, the metering of bills and sales) and for random
 * meter readings. The harness mirrors each block onto the followers and compares (./harness.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { ContractChain } from './harness.ts';
import { fullRound } from './scenario.ts';

const noble = await nobleGroup();
const SEED = Number(process.env.DPP_FC_SEED ?? 99_001);

/** A leader chain and two followers (libsodium, noble) from the same genesis. */
function mirrored(seed: string): { leader: ContractChain; followers: ContractChain[] } {
  const leader = new ContractChain(seed);
  const followers = [new ContractChain(seed), new ContractChain(seed, noble)];
  leader.followers.push(...followers);
  return { leader, followers };
}

describe('contracts: deterministic execution', () => {
  it('a whole round: identical receipts and state roots after every block, on libsodium and noble', () => {
    const { leader, followers } = mirrored('determinism');
    fullRound(leader);
    assert.ok(leader.chain.head.height >= 13n);
    for (const f of followers) {
      assert.equal(f.chain.head.height, leader.chain.head.height);
      assert.equal(toHex(f.chain.head.stateRoot), toHex(leader.chain.head.stateRoot));
    }
    assert.equal(followers[1]!.env.group.backend, 'noble');
  });

  it(`random meter readings: the followers never diverge (seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 32, maxLength: 32 }),
        (factors) => {
          const { leader, followers } = mirrored('determinism-random');
          fullRound(leader, {
            consumed: (b) => (b.contractedWh * BigInt(factors[(2 * b.index + 1) % 32]!)) / 1_000_000n,
            delivered: (s) => (s.soldWh * BigInt(factors[s.generator === 'gen-a' ? 0 : 2]!)) / 1_000_000n,
          });
          for (const f of followers)
            assert.equal(toHex(f.chain.head.stateRoot), toHex(leader.chain.head.stateRoot));
        },
      ),
      { seed: SEED, numRuns: 3, endOnFailure: true },
    );
  });
});
