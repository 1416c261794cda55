/**
 * Receiver-side recomputation before voting (issue 15; FISCO BCOS FIB-142, where a Byzantine leader
 * signed hash(A) over the body of B). A pre-prepare's signature covers its digest only
 * (src/consensus/messages.ts `prePrepareVoteBytes`), so a backup binds the payload to it itself:
 * `ChainApp.digest` re-derives the block hash from the decoded payload, the txRoot recomputed from
 * the transactions, and `ChainApp.validate` executes the block on the committed state (chain,
 * height, parent hash, timestamp, proposer and view, every transaction's signature, state root).
 * Tamper matrix on a real LevelDB store with Ed25519-signed transactions: every Byzantine proposal
 * must fail one of the two checks at the replica's boundary — and the check named in the case, so a
 * forgery the digest lets through is shown to be caught by execution for its own reason — while the
 * honest blocks pass both. Last, a real `Replica` wired as validatorNode.ts wires it sends no
 * prepare for the FIB-142 forgery and prepares the honest block after it.
 *
 * Found by this matrix: the payload's certificate field is not covered by the block hash, and a
 * payload carrying a non-empty certificate was named by the same digest as the canonical one — one
 * digest, two payloads, the extra bytes unsigned by anyone (docs/ledger.md §3.2: a consensus payload
 * is a block with an empty certificate). `ChainApp.digest` now names such a payload no block.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesEqual, toHex } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import {
  decodeSigned,
  encodeSigned,
  type PrePrepare,
  type Signed,
  signingBytes,
} from '../../src/consensus/messages.ts';
import { DEFAULT_REPLICA_TIMING, type Effect, Replica } from '../../src/consensus/replica.ts';
import { orgSign } from '../../src/crypto/ed25519.ts';
import { type Block, decodeBlock, encodeBlock, txRootOf } from '../../src/ledger/block.ts';
import { type BlockHeader, blockHash, encodeHeader, ZERO_HASH } from '../../src/ledger/blockHeader.ts';
import { type CommitCertificate, EMPTY_CERTIFICATE, signCommitVote } from '../../src/ledger/certificate.ts';
import { blockContext, executeBlock, executeTransactions } from '../../src/ledger/execution.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import type { LedgerErrorCode } from '../../src/ledger/ledgerError.ts';
import { ensureGenesis, openStore } from '../../src/ledger/store.ts';
import { signingBytesOfEncoded, transactionId } from '../../src/ledger/transaction.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { nextStateRoot } from '../../src/ledger/worldState.ts';
import { ChainApp } from '../../src/node/chainApp.ts';
import { NodeEpochs } from '../../src/node/epochs.ts';
import { Mempool } from '../../src/node/mempool.ts';
import {
  blockOf,
  CHAIN_ID,
  GENESIS_TIME_MS,
  makeEnv,
  makeNetwork,
  member,
  memoTx,
} from '../ledger/fixtures.ts';

const N = 4;
const dir = mkdtempSync(join(tmpdir(), 'dpp-recompute-'));
const net = makeNetwork('receiver-recompute', N);
const env = makeEnv();
const store = await openStore(join(dir, 'data'));
await ensureGenesis(store, genesisState(net.genesis));
const NOW_MS = GENESIS_TIME_MS + 1_000n;
const clock = () => Number(NOW_MS);
const parent = store.head()!.header;
const next = { chainId: CHAIN_ID, height: 1n, timestampMs: NOW_MS, proposer: 0 };

const tc = member(net, 'trading-centre');
const genA = member(net, 'gen-a');
const aggA = member(net, 'agg-a');
const [tc1, tc2, tc3] = [1n, 2n, 3n].map((n) => memoTx(tc, `block A, memo ${n}`, n).bytes) as [
  Uint8Array,
  Uint8Array,
  Uint8Array,
];
const bodyB = [memoTx(genA, 'block B, memo 1', 1n).bytes, memoTx(aggA, 'block B, memo 2', 1n).bytes];

// Block A, built by the primary of view 0 (validator 0) from its mempool, as the node builds it.
const primaryPool = new Mempool(env);
for (const tx of [tc1, tc2, tc3]) primaryPool.admit(tx, store, next);
const primary = new ChainApp(env, store, primaryPool, () => N, clock);
const proposalA = primary.propose(0n, 0, 10).payload;
const A = decodeBlock(proposalA);
const hashA = blockHash(A.header);
// Block B: an equally valid block at the same height with other transactions.
const B = blockOf(env, store, parent, bodyB, { timestampMs: A.header.timestampMs });

// The backup gossiped tx 1 of A: its verdict is cached, so the verdict cache is in play.
const backupPool = new Mempool(env);
backupPool.admit(tc1, store, next, 'gossip');
const backup = new ChainApp(env, store, backupPool, () => N, clock);

/** Where a backup refuses a forgery: the digest check, execution (with its code), or a header rule of ChainApp.validate. */
type Caught = { by: 'digest' } | { by: 'execution'; code: LedgerErrorCode } | { by: 'header rule' };

/** One Byzantine proposal: the payload bytes, the digest the primary signs, where it is proposed. */
interface Forgery {
  readonly name: string;
  readonly payload: Uint8Array;
  readonly claimed: Uint8Array;
  readonly view?: bigint;
  readonly height?: bigint;
  readonly caught: Caught;
}

/** A forged block whose digest is its own honest block hash (only execution or a header rule can refuse it). */
function consistent(block: Block): { payload: Uint8Array; claimed: Uint8Array } {
  return { payload: encodeBlock(block), claimed: blockHash(block.header) };
}

/** A's header with `fields` replaced, over `txs`. */
function withHeader(fields: Partial<BlockHeader>, txs: readonly Uint8Array[] = A.txs): Block {
  return { header: { ...A.header, ...fields }, txs, certificate: EMPTY_CERTIFICATE };
}

/** An honest block for A's transactions (or `txs`) with header `fields` changed and both roots recomputed. */
function honestly(fields: Partial<BlockHeader>, txs: readonly Uint8Array[] = A.txs): Block {
  const { stateRoot: _, txRoot: __, ...rest } = A.header;
  return blockOf(env, store, parent, txs, { ...rest, ...fields });
}

/** `tx` with its 64-byte Ed25519 signature (its last bytes) replaced by `f(signature)`. */
function resigned(tx: Uint8Array, f: (signature: Uint8Array) => Uint8Array): Uint8Array {
  const out = tx.slice();
  out.set(f(tx.slice(-64)), tx.length - 64);
  return out;
}

/** The Ed25519 group order ℓ. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** S + ℓ in place of S: the same point equation, a non-canonical scalar (RFC 8032 §5.1.7 refuses S ≥ ℓ). */
function plusL(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += L;
  const out = signature.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  assert.equal(s, 0n, 'S + ℓ fits in 32 bytes');
  return out;
}

/**
 * The state root a leader that skips signature checks computes for `txs` (each forged transaction
 * stands in for the valid one it was made from): the block is consistent but for the signature.
 */
function rootSkippingSignatures(txs: readonly Uint8Array[], originals: readonly Uint8Array[]): Uint8Array {
  const vts = txs.map((bytes, i) => {
    const vt = verifyTransaction(env, originals[i]!);
    const id = transactionId(bytes);
    return { ...vt, bytes, id, idHex: toHex(id) };
  });
  const { writes } = executeTransactions(env, store, blockContext(A.header), vts, 'strict');
  return nextStateRoot(parent.stateRoot, writes);
}

const flip = (b: Uint8Array, i = 0) => {
  const out = b.slice();
  out[i]! ^= 1;
  return out;
};
const [t0, t1, t2] = A.txs as [Uint8Array, Uint8Array, Uint8Array];
const badSig = [resigned(t0, (s) => flip(s, 5)), t1, t2];
const malleated = [resigned(t0, plusL), t1, t2];
const wrongSigner = [resigned(t0, () => orgSign(genA.key, signingBytesOfEncoded(t0, 64))), t1, t2];
const otherChainTx = memoTx(tc, 'block A, memo 1', 1n, undefined, 'dppchain-other').bytes;
/** A certificate of q real commit votes for A: a payload carrying it is still not a consensus payload. */
const certificateForA: CommitCertificate = {
  view: 0n,
  votes: net.validatorKeys.slice(0, 3).map((v) => signCommitVote(v.key, v.index, A.header, 0n)),
};

const forgeries: Forgery[] = [
  // (1) FIB-142: the header of A (the primary signs hash(A)) over the body of B
  {
    name: 'FIB-142: header of A over the body of B',
    payload: encodeBlock(withHeader({}, bodyB)),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'FIB-142: header of A over an empty body',
    payload: encodeBlock(withHeader({}, [])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'FIB-142: hash(A) claimed, header of A with txRoot(B) over the body of B',
    payload: encodeBlock(withHeader({ txRoot: txRootOf(bodyB) }, bodyB)),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'FIB-142: header of A with txRoot(B) over the body of B, its own hash claimed',
    ...consistent(withHeader({ txRoot: txRootOf(bodyB) }, bodyB)),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  // (2) the body of A changed under A's header
  {
    name: 'body of A with a transaction dropped',
    payload: encodeBlock(withHeader({}, [t0, t2])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'body of A with a transaction added',
    payload: encodeBlock(withHeader({}, [...A.txs, bodyB[0]!])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'body of A with a transaction repeated',
    payload: encodeBlock(withHeader({}, [t0, t0, t1, t2])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'body of A reordered',
    payload: encodeBlock(withHeader({}, [t1, t0, t2])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'body of A with one transaction re-signed over another memo (same nonce)',
    payload: encodeBlock(withHeader({}, [memoTx(tc, 'another memo', 1n).bytes, t1, t2])),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  // (2') … with the txRoot recomputed, A's state root kept: execution refuses it
  {
    name: 'txRoot recomputed: a middle transaction dropped',
    ...consistent(withHeader({ txRoot: txRootOf([t0, t2]) }, [t0, t2])),
    caught: { by: 'execution', code: 'LEDGER_NONCE' },
  },
  {
    name: 'txRoot recomputed: the last transaction dropped',
    ...consistent(withHeader({ txRoot: txRootOf([t0, t1]) }, [t0, t1])),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  {
    name: 'txRoot recomputed: a valid transaction added',
    ...consistent(withHeader({ txRoot: txRootOf([...A.txs, bodyB[0]!]) }, [...A.txs, bodyB[0]!])),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  {
    name: 'txRoot recomputed: a transaction repeated',
    ...consistent(withHeader({ txRoot: txRootOf([t0, t0, t1, t2]) }, [t0, t0, t1, t2])),
    caught: { by: 'execution', code: 'LEDGER_NONCE' },
  },
  {
    name: 'txRoot recomputed: reordered',
    ...consistent(withHeader({ txRoot: txRootOf([t1, t0, t2]) }, [t1, t0, t2])),
    caught: { by: 'execution', code: 'LEDGER_NONCE' },
  },
  // (3) the right txRoot, a wrong state root
  {
    name: 'state root with one bit flipped',
    ...consistent(withHeader({ stateRoot: flip(A.header.stateRoot, 31) })),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  {
    name: 'state root of the parent (nothing executed)',
    ...consistent(withHeader({ stateRoot: parent.stateRoot })),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  {
    name: 'state root of block B over the body of A',
    ...consistent(withHeader({ stateRoot: B.header.stateRoot })),
    caught: { by: 'execution', code: 'LEDGER_STATE_ROOT_MISMATCH' },
  },
  // (4) a wrong parent hash
  {
    name: 'parent hash with one bit flipped',
    ...consistent(honestly({ prevHash: flip(A.header.prevHash) })),
    caught: { by: 'execution', code: 'LEDGER_BAD_BLOCK' },
  },
  {
    name: 'parent hash zero (a second genesis)',
    ...consistent(honestly({ prevHash: ZERO_HASH })),
    caught: { by: 'execution', code: 'LEDGER_BAD_BLOCK' },
  },
  // (5) a wrong height
  {
    name: 'header height 2 proposed at height 1',
    ...consistent(honestly({ height: 2n })),
    caught: { by: 'execution', code: 'LEDGER_BAD_BLOCK' },
  },
  {
    name: 'header height 0 proposed at height 1',
    ...consistent(honestly({ height: 0n })),
    caught: { by: 'execution', code: 'LEDGER_BAD_BLOCK' },
  },
  {
    name: 'block A proposed for height 2',
    payload: encodeBlock(A),
    claimed: hashA,
    height: 2n,
    caught: { by: 'header rule' },
  },
  // (6) every other header field, the digest recomputed honestly (the header has no receipts root
  // and no transaction count: receipts are computed by each validator, the count is the body's)
  {
    name: 'chain id of another chain',
    ...consistent(honestly({ chainId: 'dppchain-other' })),
    caught: { by: 'execution', code: 'LEDGER_WRONG_CHAIN' },
  },
  {
    name: 'timestamp before the parent’s',
    ...consistent(honestly({ timestampMs: parent.timestampMs - 1n })),
    caught: { by: 'execution', code: 'LEDGER_BAD_BLOCK' },
  },
  {
    name: 'timestamp more than 5 s ahead of the backup’s clock',
    ...consistent(honestly({ timestampMs: NOW_MS + 5_001n })),
    caught: { by: 'header rule' },
  },
  {
    name: 'proposer other than the primary of the header’s view',
    ...consistent(honestly({ proposer: 1 })),
    caught: { by: 'header rule' },
  },
  {
    name: 'view after the one it is proposed in (primary 0 leads views 0 and 4)',
    ...consistent(honestly({ view: 4n })),
    caught: { by: 'header rule' },
  },
  {
    name: 'header version 2',
    payload: (() => {
      const p = encodeBlock(A);
      p[0] = 2;
      return p;
    })(),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'a byte after the certificate',
    payload: Uint8Array.of(...encodeBlock(A), 0),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  {
    name: 'transaction count one more than the transactions',
    payload: (() => {
      const p = encodeBlock(A);
      p.set(new Writer().u32(A.txs.length + 1).finish(), encodeHeader(A.header).length); // u32 n follows the header
      return p;
    })(),
    claimed: hashA,
    caught: { by: 'digest' },
  },
  // (7) a transaction whose signature is invalid in an otherwise consistent block (its valid twin is in the backup's verdict cache)
  {
    name: 'signature with one bit flipped',
    ...consistent(withHeader({ txRoot: txRootOf(badSig) }, badSig)),
    caught: { by: 'execution', code: 'LEDGER_BAD_SIGNATURE' },
  },
  {
    name: 'signature with S + ℓ (malleated)',
    ...consistent(withHeader({ txRoot: txRootOf(malleated) }, malleated)),
    caught: { by: 'execution', code: 'LEDGER_BAD_SIGNATURE' },
  },
  {
    name: 'signature by another member’s key',
    ...consistent(withHeader({ txRoot: txRootOf(wrongSigner) }, wrongSigner)),
    caught: { by: 'execution', code: 'LEDGER_BAD_SIGNATURE' },
  },
  {
    name: 'a transaction validly signed for another chain',
    ...consistent(withHeader({ txRoot: txRootOf([otherChainTx, t1, t2]) }, [otherChainTx, t1, t2])),
    caught: { by: 'execution', code: 'LEDGER_WRONG_CHAIN' },
  },
];

/** What a backup's two checks say about a proposal, as the replica asks them (digest first). */
function judge(
  app: ChainApp,
  f: { payload: Uint8Array; claimed: Uint8Array; view?: bigint; height?: bigint },
) {
  const digestMatches = bytesEqual(app.digest(f.payload), f.claimed);
  return { digestMatches, valid: digestMatches && app.validate(f.view ?? 0n, f.height ?? 1n, f.payload) };
}

/** The code `executeBlock` throws for `payload` on the committed state, or null when it executes. */
function executionCode(payload: Uint8Array): string | null {
  try {
    executeBlock(env, store, parent, decodeBlock(payload), backupPool);
    return null;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('receiver-side recomputation before voting (FIB-142 tamper matrix)', () => {
  it('the honest blocks A and B pass both checks (so the matrix can fail)', () => {
    assert.deepEqual(judge(backup, { payload: encodeBlock(A), claimed: hashA }), {
      digestMatches: true,
      valid: true,
    });
    assert.deepEqual(judge(backup, consistent(B)), { digestMatches: true, valid: true });
    assert.equal(A.txs.length, 3);
    assert.ok(bytesEqual(A.txs[0]!, tc1), 'the backup holds the verdict of A’s first transaction');
    assert.ok(!bytesEqual(A.header.stateRoot, B.header.stateRoot));
  });

  it('the signature forgeries are consistent blocks but for the signature', () => {
    for (const txs of [badSig, malleated, wrongSigner]) {
      assert.ok(bytesEqual(rootSkippingSignatures(txs, A.txs), A.header.stateRoot));
    }
  });

  for (const f of forgeries) {
    it(`refuses: ${f.name}`, () => {
      const { digestMatches, valid } = judge(backup, f);
      assert.equal(valid, false, 'a backup would prepare it');
      if (f.caught.by === 'digest') {
        assert.equal(digestMatches, false, 'the digest check lets it through');
        return;
      }
      assert.equal(digestMatches, true, 'the forgery is consistent: its digest is its own block hash');
      const code = executionCode(f.payload);
      assert.equal(code, f.caught.by === 'execution' ? f.caught.code : null);
    });
  }

  it('regression: a payload carrying a certificate was named by the block hash of its header', () => {
    // The certificate is outside the block hash, so before the fix both payloads below were named
    // hash(A) and prepared: one digest, several payloads, the extra bytes signed by no one.
    for (const certificate of [certificateForA, { view: 7n, votes: [] }]) {
      const f = { payload: encodeBlock({ ...A, certificate }), claimed: hashA };
      assert.deepEqual(judge(backup, f), { digestMatches: false, valid: false });
    }
  });

  it('still accepts block A after every forgery (no cache was poisoned)', () => {
    assert.deepEqual(judge(backup, { payload: encodeBlock(A), claimed: hashA }), {
      digestMatches: true,
      valid: true,
    });
  });
});

describe('a real Replica wired to the ChainApp sends no prepare for FIB-142', () => {
  /** The primary of view 0 (validator 0) signs a pre-prepare; the message goes through the wire encoding. */
  function prePrepare(payload: Uint8Array, digest: Uint8Array): Signed {
    const message: PrePrepare = { type: 'pre-prepare', view: 0n, height: 1n, digest, payload };
    const signature = orgSign(net.validatorKeys[0]!.key, signingBytes(CHAIN_ID, 0, message));
    return decodeSigned(encodeSigned({ sender: 0, message, signature }));
  }
  const prepares = (effects: Effect[]) =>
    effects.flatMap((e) =>
      e.type === 'send' && e.signed.message.type === 'prepare' ? [e.signed.message] : [],
    );

  it('ignores header(A) over body(B), then prepares A', () => {
    const app = new ChainApp(env, store, new Mempool(env), () => N, clock);
    const epochs = new NodeEpochs(CHAIN_ID, store);
    const crypto = epochs.crypto(epochs.current(), net.validatorKeys[1]!.key, (payload) =>
      app.digest(payload),
    );
    const replica = new Replica({ ...DEFAULT_REPLICA_TIMING, chainId: CHAIN_ID, n: N, self: 1 }, crypto, app);
    replica.start(0);
    const forged = replica.receive(prePrepare(encodeBlock(withHeader({}, bodyB)), hashA));
    assert.deepEqual(prepares(forged), [], 'no prepare for hash(A) over body(B)');
    const honest = prepares(replica.receive(prePrepare(encodeBlock(A), hashA)));
    assert.equal(honest.length, 1, 'the honest proposal is prepared: the forgery took no vote');
    assert.ok(bytesEqual((honest[0] as { digest: Uint8Array }).digest, hashA));
  });
});
