/**
 * Audits the chain a store holds before a validator runs on it (a restored snapshot, docs/ledger.md
 * §5.1): block 0 is the expected genesis, every later block has the next height, its parent's hash
 * and a txRoot matching its transactions, and the head's commit certificate is signed by a quorum of
 * the validators of its epoch — after reconfigurations (./validatorSet.ts), the epochs the store's
 * state records, whose first is the genesis validators and each of whose last blocks is certified
 * by that epoch's own set. The hash links and the certified head bind every header and body to what
 * the validators committed; the state entries cannot be checked this way (the state root is a hash
 * chain over write sets, docs/ledger.md §4) — the snapshot's own checksum guards them, and with them
 * the keys of epochs after the first.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import type { Block } from './block.ts';
import { txRootOf } from './block.ts';
import { blockHash } from './blockHeader.ts';
import { verifyCommitCertificate } from './certificate.ts';
import { LedgerError } from './ledgerError.ts';
import type { LedgerStore } from './store.ts';
import { allEpochs, consensusDomain, type Epoch, epochOfHeight, epochVoters } from './validatorSet.ts';

/** The chain a store must hold. */
export interface ExpectedChain {
  readonly chainId: string;
  readonly genesisHash: Uint8Array;
  /** The genesis validators' Ed25519 keys, by index. */
  readonly validatorKeys: readonly Uint8Array[];
}

/**
 * Walks the store's blocks from genesis to its head; throws LEDGER_WRONG_CHAIN for another genesis,
 * LEDGER_STORE_CORRUPT naming the first height that does not hold. Returns the number of blocks.
 */
export async function auditChain(store: LedgerStore, expected: ExpectedChain): Promise<bigint> {
  const head = store.head();
  if (head === undefined) throw new LedgerError('LEDGER_STORE_CORRUPT', 'the store holds no chain');
  const corrupt = (height: bigint, why: string): never => {
    throw new LedgerError('LEDGER_STORE_CORRUPT', `block ${height}: ${why}`, { height: height.toString() });
  };
  const genesis = await store.getBlock(0n);
  if (genesis === undefined) return corrupt(0n, 'missing');
  // [REFUSE] a chain of another genesis
  if (!bytesEqual(blockHash(genesis.header), expected.genesisHash)) {
    throw new LedgerError('LEDGER_WRONG_CHAIN', 'the store holds another chain (genesis hash differs)', {
      expected: toHex(expected.genesisHash),
      found: toHex(blockHash(genesis.header)),
    });
  }
  const epochs = allEpochs(store);
  const first = epochs[0]!.validators.map((v) => v.publicKey);
  // [REFUSE] a state whose first validator set is not the genesis one
  if (
    first.length !== expected.validatorKeys.length ||
    first.some((k, i) => !bytesEqual(k, expected.validatorKeys[i]!))
  )
    corrupt(0n, 'the state’s genesis validators are not the genesis file’s');
  const certifiedBy = (block: Block, epoch: Epoch): boolean => {
    const { keys, quorum } = epochVoters(epoch);
    return verifyCommitCertificate(
      block,
      expected.chainId,
      keys,
      quorum,
      consensusDomain(expected.chainId, epoch.number),
    );
  };
  let parent = genesis.header;
  for (let h = 1n; h <= head.height; h++) {
    const block = await store.getBlock(h);
    if (block === undefined) return corrupt(h, 'missing');
    const { header } = block;
    // [REFUSE] a block that does not extend its parent, or whose body is not the one its header names
    if (header.height !== h || header.chainId !== expected.chainId) corrupt(h, 'wrong height or chain');
    if (!bytesEqual(header.prevHash, blockHash(parent))) corrupt(h, 'does not link to its parent');
    if (!bytesEqual(header.txRoot, txRootOf(block.txs))) corrupt(h, 'txRoot does not match its transactions');
    // [REFUSE] a head its validators did not certify, or an epoch whose last block its set did not
    const ending = epochs.findIndex((e) => e.number > 0 && e.base === h);
    if (ending > 0 && !certifiedBy(block, epochs[ending - 1]!))
      corrupt(h, `the last block of epoch ${ending - 1} is not certified by that epoch’s validators`);
    if (h === head.height && !certifiedBy(block, epochOfHeight(epochs, h)))
      corrupt(h, 'the head’s commit certificate does not verify against its validators');
    parent = header;
  }
  return head.height + 1n;
}
