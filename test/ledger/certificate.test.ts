import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { verifyEd25519 } from '../../src/crypto/ed25519Strict.ts';
import { frame } from '../../src/crypto/hash.ts';
import type { Block } from '../../src/ledger/block.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import {
  type CommitVote,
  certifiedDigestOf,
  commitVoteBytes,
  faultTolerance,
  quorumSize,
  signCommitVote,
  type Voters,
  verifyCommitCertificate,
} from '../../src/ledger/certificate.ts';
import { validatorSet } from '../../src/ledger/genesis.ts';
import { blockOf, makeEnv, memoryChain } from './fixtures.ts';

const chain = memoryChain('certificate tests');
const env = makeEnv();
const { keys, quorum } = validatorSet(chain.net.genesis);
const block = blockOf(env, chain.state, chain.head, [], { view: 3n });
const vk = chain.net.validatorKeys;
const chainId = block.header.chainId;
const vote = (i: number, view = 3n, header = block.header): CommitVote =>
  signCommitVote(vk[i]!.key, i, header, view);
const withVotes = (votes: CommitVote[], view = 3n): Block => ({ ...block, certificate: { view, votes } });

describe('quorum', () => {
  it('is 2f + 1 for n = 3f + 1, and any two quorums share f + 1 validators', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 10, 13, 100].map((n) => [n, faultTolerance(n), quorumSize(n)]),
      [
        [1, 0, 1],
        [2, 0, 2],
        [3, 0, 2],
        [4, 1, 3],
        [5, 1, 4],
        [6, 1, 4],
        [7, 2, 5],
        [10, 3, 7],
        [13, 4, 9],
        [100, 33, 67],
      ],
    );
    for (let n = 1; n <= 200; n++) {
      const q = quorumSize(n);
      assert.ok(3 * faultTolerance(n) < n, `n = ${n} tolerates fewer than a third faulty`);
      assert.ok(2 * q - n >= faultTolerance(n) + 1, `intersection for n = ${n}`);
      assert.ok(q <= n - faultTolerance(n), `liveness for n = ${n}: honest validators alone form a quorum`);
    }
  });
});

describe('commit votes', () => {
  it('sign the documented bytes', () => {
    const u64 = (v: bigint) => new Writer().u64(v).finish();
    const expected = frame('dpp/pbft/commit/v1', [
      utf8(block.header.chainId),
      u64(3n),
      u64(1n),
      blockHash(block.header),
    ]);
    assert.equal(
      toHex(commitVoteBytes(block.header.chainId, 3n, 1n, blockHash(block.header))),
      toHex(expected),
    );
    assert.deepEqual(vote(0).signature, orgSign(vk[0]!.key, expected));
  });
});

describe('commit certificate verification', () => {
  it('accepts a quorum, and every validator', () => {
    assert.equal(quorum, 3);
    assert.equal(
      verifyCommitCertificate(withVotes([vote(0), vote(1), vote(2)]), chainId, keys, quorum),
      true,
    );
    assert.equal(
      verifyCommitCertificate(withVotes([vote(3), vote(1), vote(2), vote(0)]), chainId, keys, quorum),
      true,
    );
    const later = withVotes([vote(0, 9n), vote(1, 9n), vote(2, 9n)], 9n);
    assert.equal(
      verifyCommitCertificate(later, chainId, keys, quorum),
      true,
      'committed in a later view (after a view change)',
    );
  });

  it('refuses too few votes, a duplicate, an unknown validator, a bad signature', () => {
    const cases: [string, Block][] = [
      ['too few', withVotes([vote(0), vote(1)])],
      ['none', withVotes([])],
      ['duplicate validator', withVotes([vote(0), vote(1), vote(1)])],
      [
        'unknown validator',
        withVotes([vote(0), vote(1), { validatorIndex: 4, signature: vote(2).signature }]),
      ],
      [
        'signature by another validator',
        withVotes([vote(0), vote(1), { validatorIndex: 3, signature: vote(2).signature }]),
      ],
      [
        'tampered signature',
        withVotes([
          vote(0),
          vote(1),
          { validatorIndex: 2, signature: vote(2).signature.map((b, i) => (i === 5 ? b ^ 1 : b)) },
        ]),
      ],
      [
        'short signature',
        withVotes([vote(0), vote(1), { validatorIndex: 2, signature: vote(2).signature.subarray(1) }]),
      ],
      [
        'outsider key',
        withVotes([
          vote(0),
          vote(1),
          {
            validatorIndex: 2,
            signature: orgSign(
              orgKeyPair(new Uint8Array(32)),
              commitVoteBytes(block.header.chainId, 3n, 1n, blockHash(block.header)),
            ),
          },
        ]),
      ],
      [
        'one bad vote among a quorum of good ones',
        withVotes([vote(0), vote(1), vote(2), { validatorIndex: 3, signature: new Uint8Array(64) }]),
      ],
    ];
    for (const [name, b] of cases)
      assert.equal(verifyCommitCertificate(b, chainId, keys, quorum), false, name);
  });

  it('refuses votes for another block, height, view or chain', () => {
    const other = blockOf(env, chain.state, chain.head, [], {
      view: 3n,
      timestampMs: block.header.timestampMs + 1n,
    });
    const forOther = [0, 1, 2].map((i) => vote(i, 3n, other.header));
    assert.equal(verifyCommitCertificate(withVotes(forOther), chainId, keys, quorum), false, 'wrong block');
    const otherView = [0, 1, 2].map((i) => vote(i, 4n));
    assert.equal(
      verifyCommitCertificate(withVotes(otherView, 3n), chainId, keys, quorum),
      false,
      'signed for view 4, claims 3',
    );
    const earlier = [0, 1, 2].map((i) => vote(i, 2n));
    assert.equal(
      verifyCommitCertificate(withVotes(earlier, 2n), chainId, keys, quorum),
      false,
      'view before the proposal',
    );
    const otherChain = { ...block, header: { ...block.header, chainId: 'another-chain' } };
    assert.equal(
      verifyCommitCertificate(
        { ...otherChain, certificate: { view: 3n, votes: [vote(0), vote(1), vote(2)] } },
        chainId,
        keys,
        quorum,
      ),
      false,
    );
    // A block genuinely certified on another chain run by the same validator keys (a staging
    // chain): valid there, refused here.
    const staging = {
      ...otherChain,
      certificate: { view: 3n, votes: [0, 1, 2].map((i) => vote(i, 3n, otherChain.header)) },
    };
    assert.equal(verifyCommitCertificate(staging, 'another-chain', keys, quorum), true);
    assert.equal(verifyCommitCertificate(staging, chainId, keys, quorum), false, 'another chain’s block');
  });

  it('throws on a nonsensical quorum (a caller bug, not a verdict)', () => {
    assert.throws(() => verifyCommitCertificate(block, chainId, keys, 0), RangeError);
    assert.throws(() => verifyCommitCertificate(block, chainId, keys, 5), RangeError);
  });
});

describe('commit certificate verification, as consensus holds it (digest and injected signature check)', () => {
  const checked: number[] = [];
  const voters: Voters = {
    count: keys.length,
    verify: (i, bytes, signature) => {
      checked.push(i);
      return verifyEd25519(keys[i]!, bytes, signature);
    },
  };
  const good = certifiedDigestOf(withVotes([vote(0), vote(1), vote(2)]));

  it('names the block by its height and hash, and checks every vote through the injected check', () => {
    assert.equal(good.height, block.header.height);
    assert.equal(toHex(good.digest), toHex(blockHash(block.header)));
    checked.length = 0;
    assert.equal(verifyCommitCertificate(good, chainId, voters, quorum), true);
    assert.deepEqual(checked, [0, 1, 2]);
    assert.equal(verifyCommitCertificate(good, chainId, keys, quorum), true, 'or with the Ed25519 keys');
    const rejectAll: Voters = { count: keys.length, verify: () => false };
    assert.equal(verifyCommitCertificate(good, chainId, rejectAll, quorum), false);
  });

  it('refuses another digest, height or chain, a malformed digest, too few votes, a duplicate, an unknown validator', () => {
    const cases: [string, Parameters<typeof verifyCommitCertificate>[0], string][] = [
      ['another digest', { ...good, digest: new Uint8Array(32).fill(7) }, chainId],
      ['another height', { ...good, height: good.height + 1n }, chainId],
      ['another chain', good, 'another-chain'],
      ['short digest', { ...good, digest: good.digest.subarray(1) }, chainId],
      ['too few', { ...good, certificate: { view: 3n, votes: [vote(0), vote(1)] } }, chainId],
      ['duplicate', { ...good, certificate: { view: 3n, votes: [vote(0), vote(1), vote(1)] } }, chainId],
      [
        'unknown validator',
        { ...good, certificate: { view: 3n, votes: [vote(0), vote(1), { ...vote(2), validatorIndex: 4 }] } },
        chainId,
      ],
      [
        'negative index',
        { ...good, certificate: { view: 3n, votes: [vote(0), vote(1), { ...vote(2), validatorIndex: -1 }] } },
        chainId,
      ],
    ];
    for (const [name, certified, chain] of cases)
      assert.equal(verifyCommitCertificate(certified, chain, voters, quorum), false, name);
  });

  it('throws on a nonsensical quorum for the validator count', () => {
    assert.throws(() => verifyCommitCertificate(good, chainId, voters, keys.length + 1), RangeError);
  });
});
