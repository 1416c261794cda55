/**
 * Snapshots (src/ledger/snapshot.ts, store.ts `snapshotEntries` / `createStoreFrom`, chainAudit.ts):
 * the stream round-trips whatever the chunking; a truncated, altered, reordered or padded stream is
 * refused with its DecodeError code; a snapshot read while blocks keep committing is the store as of
 * the moment reading began (head record and blocks agreeing, nothing of the later blocks), with no
 * metadata; a store rebuilt from it holds the same entries; and the chain audit refuses another
 * genesis, a broken hash link and a head whose certificate does not verify.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { compareBytes, concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { orgSign } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import type { BlockHeader } from '../../src/ledger/blockHeader.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import {
  type CommitCertificate,
  commitVoteBytes,
  EMPTY_CERTIFICATE,
  quorumSize,
  signCommitVote,
} from '../../src/ledger/certificate.ts';
import { auditChain } from '../../src/ledger/chainAudit.ts';
import { genesisState, validatorSet } from '../../src/ledger/genesis.ts';
import { storedNonce } from '../../src/ledger/orgAuth.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  type SnapshotEntry,
  SnapshotWatcher,
} from '../../src/ledger/snapshot.ts';
import { createStoreFrom, ensureGenesis, type LedgerStore, openStore } from '../../src/ledger/store.ts';
import { consensusDomain } from '../../src/ledger/validatorSet.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { certifiedChain, commitCertifiedBlocks } from './certifiedChain.ts';
import { makeEnv, makeNetwork, member, memoTx } from './fixtures.ts';

const net = makeNetwork('snapshot tests');
const genesis = genesisState(net.genesis);
const validators = validatorSet(net.genesis);
const root = mkdtempSync(join(tmpdir(), 'dpp-snapshot-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `db-${dirs++}`);

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function bytesOf(entries: readonly SnapshotEntry[]): Promise<Uint8Array> {
  return concatBytes(...(await collect(encodeSnapshot(from(entries)))));
}

/** `bytes` cut at `cuts` (positions), as a stream of chunks. */
function rechunk(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let last = 0;
  for (const c of [...at, bytes.length]) {
    pieces.push(bytes.subarray(last, c));
    last = c;
  }
  return from(pieces);
}

const codeOf = async (chunks: AsyncIterable<Uint8Array>): Promise<string | undefined> => {
  try {
    await collect(decodeSnapshot(chunks));
    return undefined;
  } catch (err) {
    return isDppError(err) ? err.code : String(err);
  }
};

async function commitBlocks(store: LedgerStore, count: number, text = 'memo'): Promise<void> {
  await commitCertifiedBlocks(store, net, count, text);
}

async function chainStore(blocks: number): Promise<LedgerStore> {
  const store = await certifiedChain(freshDir(), net, blocks);
  await store.putMeta('consensus', utf8('{"votes":"of this validator only"}'));
  return store;
}

const expected = {
  chainId: net.genesis.chainId,
  genesisHash: genesis.hash,
  validatorKeys: validators.keys,
  quorum: quorumSize(validators.keys.length),
};

describe('the snapshot stream', () => {
  const sorted = fc
    .uniqueArray(
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 300 })),
      { selector: ([k]) => toHex(k), maxLength: 40 },
    )
    .map((es) => es.sort(([a], [b]) => compareBytes(a, b)) as SnapshotEntry[]);

  it('round-trips any entries in key order, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(sorted, fc.array(fc.nat(), { maxLength: 12 }), async (entries, cuts) => {
        const bytes = await bytesOf(entries);
        const back = await collect(decodeSnapshot(rechunk(bytes, cuts)));
        assert.deepEqual(
          back.map(([k, v]) => [toHex(k), toHex(v)]),
          entries.map(([k, v]) => [toHex(k), toHex(v)]),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a stream cut short, altered, padded, reordered or of another format', async () => {
    const entries: SnapshotEntry[] = [
      [utf8('a'), utf8('one')],
      [utf8('b'), utf8('two')],
      [utf8('c'), new Uint8Array(1000).fill(7)],
    ];
    const bytes = await bytesOf(entries);
    for (let cut = 0; cut < bytes.length; cut += 7) {
      assert.equal(await codeOf(from([bytes.subarray(0, cut)])), 'DECODE_TRUNCATED', `cut at ${cut}`);
    }
    // any single byte flipped after the magic: never accepted (usually the checksum says so)
    for (let at = 16; at < bytes.length; at += 5) {
      const altered = bytes.slice();
      altered[at]! ^= 0x01;
      const code = await codeOf(from([altered]));
      assert.ok(code?.startsWith('DECODE_'), `byte ${at}: ${code}`);
    }
    const flipped = bytes.slice();
    flipped[40]! ^= 0x01; // inside the second entry's value (magic 16, entry "a" 13, then 9 bytes of "b"'s header)
    assert.equal(await codeOf(from([flipped])), 'DECODE_BAD_CHECKSUM');
    assert.equal(await codeOf(from([bytes, Uint8Array.of(0)])), 'DECODE_TRAILING_BYTES');
    const other = bytes.slice();
    other[4] = 0x58;
    assert.equal(await codeOf(from([other])), 'DECODE_BAD_TAG');
    // keys out of order, with a correct end record: refused all the same
    const disordered = await collect(encodeSnapshot(from(entries)));
    const swapped = concatBytes(...disordered);
    swapped.set(utf8('d'), 16 + 5); // the first key 'a' becomes 'd', which sorts after the next one, 'b'
    assert.ok((await codeOf(from([swapped])))?.startsWith('DECODE_'));
    await assert.rejects(collect(encodeSnapshot(from([entries[1]!, entries[0]!]))), RangeError);
    // a length above its cap is refused before anything is allocated
    const huge = bytes.slice(0, 16 + 5);
    new DataView(huge.buffer).setUint32(17, 5_000);
    assert.equal(await codeOf(from([huge])), 'DECODE_BAD_LENGTH');
  });
});

describe('a snapshot of a store', () => {
  it('is the store as of the moment reading began, while blocks keep committing; no metadata', async () => {
    const store = await chainStore(5);
    try {
      const before = store.head()!;
      const stream = encodeSnapshot(store.snapshotEntries());
      const first = await stream.next(); // the iterator (and LevelDB's snapshot) now exists
      await commitBlocks(store, 3); // commits go on meanwhile
      const rest = await collect(stream);
      const bytes = concatBytes(first.value as Uint8Array, ...rest);
      const entries = await collect(decodeSnapshot(from([bytes])));
      const watcher = new SnapshotWatcher();
      for (const [k, v] of entries) watcher.observe(k, v);
      const head = watcher.result()!;
      assert.equal(head.height, 5n);
      assert.equal(toHex(head.hash), toHex(before.hash));
      assert.equal(toHex(head.genesisHash), toHex(genesis.hash));
      assert.equal(store.head()!.height, 8n);
      assert.ok(
        entries.every(([k]) => k[0] !== 'm'.charCodeAt(0)),
        'no metadata',
      );
      // nothing of blocks 6–8: no block key above 5
      const blockKeys = entries.filter(([k]) => k[0] === 'b'.charCodeAt(0));
      assert.equal(blockKeys.length, 6);
      // rebuilt into a new store: the same entries, a head that opens, and an audit that passes
      const copy = await createStoreFrom(freshDir(), from(entries));
      try {
        assert.equal(copy.head()!.height, 5n);
        assert.deepEqual(
          (await collect(copy.snapshotEntries())).map(([k, v]) => toHex(k) + toHex(v)),
          entries.map(([k, v]) => toHex(k) + toHex(v)),
        );
        assert.equal(copy.getMeta('consensus'), undefined);
        assert.equal(await auditChain(copy, expected), 6n);
      } finally {
        await copy.close();
      }
    } finally {
      await store.close();
    }
  });

  it('rebuilding refuses metadata entries and a folder that holds a store', async () => {
    const dir = freshDir();
    await assert.rejects(
      createStoreFrom(
        dir,
        from<SnapshotEntry>([
          [utf8('H'), new Uint8Array(41)],
          [utf8('mconsensus'), utf8('{}')],
        ]),
      ),
      (err) => isDppError(err, 'LEDGER_STORE_CORRUPT'),
    );
    const store = await chainStore(1);
    const dir2 = freshDir();
    const copy = await createStoreFrom(dir2, store.snapshotEntries());
    await copy.close();
    await assert.rejects(createStoreFrom(dir2, store.snapshotEntries()), (err) =>
      isDppError(err, 'LEDGER_STORE_UNAVAILABLE'),
    );
    await store.close();
  });
});

describe('the chain audit', () => {
  it('refuses another genesis, a broken link and an uncertified head', async () => {
    const store = await chainStore(3);
    try {
      assert.equal(await auditChain(store, expected), 4n);
      await assert.rejects(auditChain(store, { ...expected, genesisHash: new Uint8Array(32) }), (err) =>
        isDppError(err, 'LEDGER_WRONG_CHAIN'),
      );
      // another genesis validator set: the store's own is not it
      const strangers = makeNetwork('strangers').validatorKeys.map((v) => v.key.publicKey);
      await assert.rejects(
        auditChain(store, { ...expected, validatorKeys: strangers }),
        (err) => isDppError(err, 'LEDGER_STORE_CORRUPT') && /genesis validators/.test(err.message),
      );
    } finally {
      await store.close();
    }
    // a snapshot whose middle block was swapped for another one of the same height: the links break
    const a = await chainStore(3);
    const b = await openStore(freshDir());
    await ensureGenesis(b, genesis);
    await commitBlocks(b, 1, 'another memo');
    const otherBlock1 = (await collect(b.snapshotEntries())).find(
      ([k]) => k[0] === 'b'.charCodeAt(0) && k[8] === 1,
    )!;
    const entries = (await collect(a.snapshotEntries())).map(
      ([k, v]): SnapshotEntry => (toHex(k) === toHex(otherBlock1[0]) ? [k, otherBlock1[1]] : [k, v]),
    );
    await a.close();
    await b.close();
    const c = await createStoreFrom(freshDir(), from(entries));
    try {
      await assert.rejects(auditChain(c, expected), (err) => isDppError(err, 'LEDGER_STORE_CORRUPT'));
    } finally {
      await c.close();
    }
  });

  it('refuses a head whose commit certificate does not verify, whatever is wrong with it', async () => {
    const store = await chainStore(2);
    const env = makeEnv();
    const tc = member(net, 'trading-centre');
    const strangers = makeNetwork('strangers').validatorKeys;
    /** Votes of validators `indices` for `h` in `view`, over the commit bytes of `domain` (the chain id, epoch 0). */
    const votesOf = (h: BlockHeader, indices: readonly number[], view = 0n, domain = net.genesis.chainId) =>
      indices.map((i) => ({
        validatorIndex: i,
        signature: orgSign(net.validatorKeys[i]!.key, commitVoteBytes(domain, view, h.height, blockHash(h))),
      }));
    const good = (h: BlockHeader): CommitCertificate => ({ view: 0n, votes: votesOf(h, [0, 1, 2]) });
    /** Commits one memo block on the head with the certificate `certify` makes for its header. */
    const commitWith = async (certify: (h: BlockHeader) => CommitCertificate): Promise<void> => {
      const head = store.head()!;
      const nonce = storedNonce(store, tc.key.publicKey) + 1n;
      const vt = verifyTransaction(env, memoTx(tc, `head ${head.height + 1n}`, nonce).bytes);
      const built = buildBlock(
        env,
        store,
        head.header,
        { view: 0n, proposer: 0, timestampMs: head.header.timestampMs + 1n },
        [vt],
      );
      await store.commitBlock(
        { ...built.block, certificate: certify(built.block.header) },
        built.writes,
        built.receipts,
      );
    };
    const flipped = (sig: Uint8Array): Uint8Array => {
      const out = sig.slice();
      out[10]! ^= 0x01;
      return out;
    };
    const bad: [string, (h: BlockHeader) => CommitCertificate][] = [
      ['no votes', () => EMPTY_CERTIFICATE],
      ['two votes of four (the quorum is 3)', (h) => ({ view: 0n, votes: votesOf(h, [0, 1]) })],
      [
        'a stranger’s vote in place of validator 2',
        (h) => ({
          view: 0n,
          votes: [...votesOf(h, [0, 1]), signCommitVote(strangers[2]!.key, 2, h, 0n)],
        }),
      ],
      [
        'validator 3’s vote under index 2',
        (h) => ({ view: 0n, votes: [...votesOf(h, [0, 1]), { ...votesOf(h, [3])[0]!, validatorIndex: 2 }] }),
      ],
      [
        'a vote under an index no validator has',
        (h) => ({
          view: 0n,
          votes: [...votesOf(h, [0, 1, 2]), { ...votesOf(h, [3])[0]!, validatorIndex: 4 }],
        }),
      ],
      [
        'a signature with one bit flipped',
        (h) => {
          const votes = votesOf(h, [0, 1, 2]);
          return {
            view: 0n,
            votes: [votes[0]!, votes[1]!, { ...votes[2]!, signature: flipped(votes[2]!.signature) }],
          };
        },
      ],
      [
        'a fourth vote that does not verify beside a quorum',
        (h) => ({
          view: 0n,
          votes: [...votesOf(h, [0, 1, 2]), { ...votesOf(h, [3])[0]!, signature: new Uint8Array(64) }],
        }),
      ],
      [
        'votes signed in view 0 under a certificate of view 1',
        (h) => ({ view: 1n, votes: votesOf(h, [0, 1, 2]) }),
      ],
      [
        'votes for the block with another state root',
        (h) => ({ view: 0n, votes: votesOf({ ...h, stateRoot: new Uint8Array(32) }, [0, 1, 2]) }),
      ],
      [
        'votes for the next height',
        (h) => ({ view: 0n, votes: votesOf({ ...h, height: h.height + 1n }, [0, 1, 2]) }),
      ],
      [
        'votes in epoch 1’s consensus domain',
        (h) => ({ view: 0n, votes: votesOf(h, [0, 1, 2], 0n, consensusDomain(net.genesis.chainId, 1)) }),
      ],
      ['votes of another chain', (h) => ({ view: 0n, votes: votesOf(h, [0, 1, 2], 0n, 'another-chain') })],
    ];
    try {
      assert.equal(await auditChain(store, expected), 3n);
      for (const [what, certify] of bad) {
        await commitWith(certify);
        await assert.rejects(
          auditChain(store, expected),
          (err) =>
            isDppError(err, 'LEDGER_STORE_CORRUPT') &&
            /certificate does not verify/.test(err.message) &&
            (err as { details?: { height?: string } }).details?.height === store.head()!.height.toString(),
          what,
        );
        // a well-certified block on top: the audit passes again (the head's certificate and the hash
        // links bind the blocks below it)
        await commitWith(good);
        assert.equal(await auditChain(store, expected), store.head()!.height + 1n, `after ${what}`);
      }
    } finally {
      await store.close();
    }
  });
});
