/**
 * Sending a member's transactions from a short-lived process (the `dpp` command): an org-signed
 * transaction needs the sender's next nonce, which no route reports, so the submitter starts from
 * a hint (1 by default) and, when the node refuses the nonce (NODE_NONCE_GAP, NODE_DUPLICATE_TX or
 * LEDGER_NONCE with `details.expected`), signs again with the nonce the node expects — a refused
 * submission changes nothing. It then waits for the commit, checking the inclusion proof
 * (./nodeClient.ts), and turns a failed receipt into a ClientError with the contract's code.
 *
 * A transaction that passes admission but fails its authorisation when the block is built (a
 * wrong role, an unregistered pseudonym) is dropped from the mempool and never committed: its
 * status goes from `pending` to `unknown`, reported here as CLIENT_TX_DROPPED instead of a timeout.
 *
 * A transaction that depends on one committed through another validator (a demand signed by a
 * pseudonym the trading centre's node registered) is submitted with `afterHeight`: the node admits
 * against its own committed state, which may be a block behind, so the submitter first waits until
 * that node has committed the height.
 */
import type { Codec } from '../contracts/schema.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { isDppError } from '../errors.ts';
import { transactionId } from '../ledger/transaction.ts';
import type { SignedTransaction } from '../ledger/txSigning.ts';
import { ClientError } from './clientError.ts';
import { type ChainParams, orgContractTx } from './contractTx.ts';
import type { CommittedTx, NodeClient } from './nodeClient.ts';

export type { SignedTransaction };

/** The transaction's id (SHA-256 of its encoding), hex. */
export function txIdOf(tx: SignedTransaction): string {
  return Buffer.from(transactionId(tx.bytes)).toString('hex');
}

const NONCE_CODES = new Set(['NODE_NONCE_GAP', 'NODE_DUPLICATE_TX', 'LEDGER_NONCE']);

/** How long to wait for a commit, and what to call while waiting. */
export interface SubmitOptions {
  readonly timeoutMs?: number;
  readonly onWait?: (message: string) => void;
  /** Submit only once the node has committed this height (what the transaction depends on). */
  readonly afterHeight?: bigint;
}

/** Signs and submits an org transaction with the right nonce; resolves when it committed ok. */
export async function sendOrgTx<T>(
  client: NodeClient,
  chain: ChainParams,
  key: OrgKeyPair,
  kind: string,
  codec: Codec<T>,
  value: T,
  opts: SubmitOptions & { readonly nonceHint?: bigint } = {},
): Promise<{ tx: SignedTransaction; committed: CommittedTx; nonce: bigint }> {
  await waitForHeight(client, opts);
  let nonce = opts.nonceHint ?? 1n;
  for (let attempt = 0; ; attempt++) {
    const tx = orgContractTx(chain, kind, codec, value, key, nonce);
    let id: string;
    try {
      id = await client.submit(tx.bytes);
    } catch (err) {
      const expected = isDppError(err) && NONCE_CODES.has(err.code) ? err.details.expected : undefined;
      if (typeof expected === 'string' && /^\d+$/.test(expected) && attempt < 3) {
        nonce = BigInt(expected);
        continue;
      }
      throw err;
    }
    return { tx, committed: await waitCommitted(client, id, kind, opts), nonce };
  }
}

/** Submits a pseudonym- or ring-authorised transaction and waits until it committed ok. */
export async function sendTx(
  client: NodeClient,
  tx: SignedTransaction,
  opts: SubmitOptions = {},
): Promise<{ tx: SignedTransaction; committed: CommittedTx }> {
  await waitForHeight(client, opts);
  const id = await client.submit(tx.bytes);
  return { tx, committed: await waitCommitted(client, id, tx.tx.kind, opts) };
}

/** Polls `id` until committed: ok → the commit, failed receipt → ClientError(code), dropped → CLIENT_TX_DROPPED. */
export async function waitCommitted(
  client: NodeClient,
  id: string,
  kind: string,
  opts: SubmitOptions = {},
): Promise<CommittedTx> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  let unknownInARow = 0;
  opts.onWait?.(`${kind} ${id.slice(0, 12)}… waiting for commit`);
  for (;;) {
    const st = await client.tx(id);
    if (st.status === 'committed') {
      if (st.receipt.status === 'failed') {
        throw new ClientError(st.receipt.code, `${kind} was committed, but the contract refused it`, {
          txId: id,
          height: st.height.toString(),
        });
      }
      return st;
    }
    unknownInARow = st.status === 'unknown' ? unknownInARow + 1 : 0;
    if (unknownInARow >= 4) {
      throw new ClientError(
        'CLIENT_TX_DROPPED',
        `${kind} ${id.slice(0, 12)}… was dropped by the node: it was not valid when the block was built`,
        { txId: id },
      );
    }
    if (Date.now() > until)
      throw new ClientError('CLIENT_TIMEOUT', `${kind} ${id.slice(0, 12)}… not committed in time`, {
        txId: id,
      });
    await new Promise((r) => setTimeout(r, 60));
  }
}

/** Waits until the node has committed `opts.afterHeight` (at once when it is not given). */
export async function waitForHeight(client: NodeClient, opts: SubmitOptions): Promise<void> {
  const target = opts.afterHeight;
  if (target === undefined) return;
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const height = BigInt((await client.status()).height);
    if (height >= target) return;
    if (Date.now() > until)
      throw new ClientError('CLIENT_TIMEOUT', `the node is still at height ${height}, behind ${target}`, {
        height: height.toString(),
        afterHeight: target.toString(),
      });
    opts.onWait?.(`waiting for the node to catch up to height ${target} (at ${height})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
