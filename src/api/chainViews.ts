/** JSON views of ledger objects, as the schemas in ./schemas.ts describe them. */
import type { z } from 'zod';
import { toHex } from '../codec/bytes.ts';
import type { Block } from '../ledger/block.ts';
import { blockHash } from '../ledger/blockHeader.ts';
import type { InclusionProof } from '../ledger/merkle.ts';
import type { Receipt } from '../ledger/receipt.ts';
import { transactionId } from '../ledger/transaction.ts';
import type { BlockView, InclusionProofView, ReceiptView } from './schemas.ts';

/** A block's header fields, transaction ids and certificate signers. */
export function blockView(block: Block, txIds?: readonly string[]): z.output<typeof BlockView> {
  const h = block.header;
  return {
    height: h.height.toString(),
    hash: toHex(blockHash(h)),
    prevHash: toHex(h.prevHash),
    txRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    view: h.view.toString(),
    proposer: h.proposer,
    timestampMs: h.timestampMs.toString(),
    txIds: txIds === undefined ? block.txs.map((tx) => toHex(transactionId(tx))) : [...txIds],
    certificate: {
      view: block.certificate.view.toString(),
      signers: block.certificate.votes.map((v) => v.validatorIndex),
    },
  };
}

/** A receipt as JSON. */
export function receiptView(r: Receipt): z.output<typeof ReceiptView> {
  return r.status === 'ok' ? { status: 'ok' } : { status: 'failed', code: r.code };
}

/** An inclusion proof as JSON. */
export function proofView(p: InclusionProof): z.output<typeof InclusionProofView> {
  return { leafIndex: p.leafIndex, treeSize: p.treeSize, path: p.path.map(toHex) };
}
