/**
 * Submitting one transaction to one node and waiting for it — the steps ./sender.ts (the
 * participants' transport) is built from. An org-signed
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
 *
 * A transaction that was sent but is not seen committed in time (no quorum, a node that does not
 * answer) may still commit. The error (CLIENT_TIMEOUT, CLIENT_NETWORK) carries its id in
 * `details.txId` with `details.safeToResend`: sending the same signed bytes again (`resendTx`,
 * `resendSigned`) is idempotent, because the id is the hash of those bytes and every validator
 * refuses a committed one again — by its org nonce (NODE_DUPLICATE_TX, then LEDGER_NONCE in
 * execution) or its unique id (LEDGER_REPLAY) — and refuses a pending one as a duplicate.
 *
 * A node that is busy (429: its mempool full, NODE_MEMPOOL_FULL, or the client over its rate) is
 * asked again by the node client itself after its Retry-After hint, backing off (./nodeClient.ts);
 * only when it stays busy past the client's patience does the refusal reach the caller, typed and
 * marked `details.retryable`. Commits are waited for through the client's shared watch of new blocks.
 */
import type { Codec } from '../contracts/schema.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { type DppError, isDppError } from '../errors.ts';
import { transactionId } from '../ledger/transaction.ts';
import type { SignedTransaction } from '../ledger/txSigning.ts';
import { ClientError, SAFE_TO_RESEND } from './clientError.ts';
import { type ChainParams, orgContractTx } from './contractTx.ts';
import type { CommittedTx, NodeClient } from './nodeClient.ts';

export type { SignedTransaction };

/** The transaction's id (SHA-256 of its encoding), hex. */
export function txIdOf(tx: SignedTransaction): string {
  return txIdOfBytes(tx.bytes);
}

/** The id of an encoded transaction, hex. */
export function txIdOfBytes(bytes: Uint8Array): string {
  return Buffer.from(transactionId(bytes)).toString('hex');
}

const NONCE_CODES = new Set(['NODE_NONCE_GAP', 'NODE_DUPLICATE_TX', 'LEDGER_NONCE']);
/** Codes of a failure after which the transaction may still be committed. */
const UNSURE_CODES = new Set(['CLIENT_TIMEOUT', 'CLIENT_NETWORK']);
/** How soon a transaction the node calls `unknown` is asked about again (4 in a row: dropped). */
const UNKNOWN_RECHECK_MS = 100;

/** How long to wait for a commit, and what to call while waiting. */
export interface SubmitOptions {
  readonly timeoutMs?: number;
  readonly onWait?: (message: string) => void;
  /** Submit only once the node has committed this height (what the transaction depends on). */
  readonly afterHeight?: bigint;
  /** Called with each signed transaction just before it is submitted (to keep it for a resend). */
  readonly onSigned?: (tx: SignedTransaction) => void;
  /** Called once the node admitted the transaction (before its commit is waited for). */
  readonly onAdmitted?: (id: string) => void;
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
    opts.onSigned?.(tx);
    let id: string;
    try {
      id = await client.submit(tx.bytes);
    } catch (err) {
      const expected = isDppError(err) && NONCE_CODES.has(err.code) ? err.details.expected : undefined;
      if (typeof expected === 'string' && /^\d+$/.test(expected) && attempt < 3) {
        nonce = BigInt(expected);
        continue;
      }
      throw unsure(err, kind, txIdOf(tx));
    }
    opts.onAdmitted?.(id);
    return { tx, committed: await waitCommitted(client, id, kind, opts), nonce };
  }
}

/** A request about a sent transaction that got no answer: it may commit, so say so, with its id. */
function unsure(err: unknown, kind: string, id: string): unknown {
  if (!isDppError(err) || !UNSURE_CODES.has(err.code)) return err;
  return new ClientError(
    err.code,
    `${kind} ${id} was sent, but its commit is not known (${err.message}); ${SAFE_TO_RESEND}`,
    { txId: id, safeToResend: true },
    { cause: err },
  );
}

/** Submits a pseudonym- or ring-authorised transaction and waits until it committed ok. */
export async function sendTx(
  client: NodeClient,
  tx: SignedTransaction,
  opts: SubmitOptions = {},
): Promise<{ tx: SignedTransaction; committed: CommittedTx }> {
  await waitForHeight(client, opts);
  opts.onSigned?.(tx);
  const id = await client.submit(tx.bytes).catch((err: unknown) => {
    throw unsure(err, tx.tx.kind, txIdOf(tx));
  });
  return { tx, committed: await waitCommitted(client, id, tx.tx.kind, opts) };
}

/**
 * Sends `tx` again and waits for its commit: a node that refuses it because it is pending or already
 * committed (the same id) is answered by waiting for that commit, so resending is idempotent.
 * `alreadySent` is true when the node had it.
 */
export async function resendTx(
  client: NodeClient,
  tx: Uint8Array,
  kind: string,
  opts: SubmitOptions = {},
): Promise<{ committed: CommittedTx; alreadySent: boolean }> {
  const id = txIdOfBytes(tx);
  let alreadySent = false;
  try {
    await client.submit(tx);
  } catch (err) {
    // refused: judge by where the id stands, not by the refusal's code
    if (!isDppError(err) || UNSURE_CODES.has(err.code) || (await client.tx(id)).status === 'unknown')
      throw err;
    alreadySent = true;
  }
  return { committed: await waitCommitted(client, id, kind, opts), alreadySent };
}

/**
 * Waits until `id` is committed: ok → the commit, failed receipt → ClientError(code), dropped →
 * CLIENT_TX_DROPPED. It learns of the commit from the node client's shared watch of new blocks
 * (`commitSeen`) and asks for its own transaction only every `pollIntervalMs` besides — quickly
 * again while the node says `unknown` — so that many waiting transactions do not flood the node.
 */
export async function waitCommitted(
  client: NodeClient,
  id: string,
  kind: string,
  opts: SubmitOptions = {},
): Promise<CommittedTx> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const until = Date.now() + timeoutMs;
  let unknownInARow = 0;
  opts.onWait?.(`${kind} ${id.slice(0, 12)}… waiting for commit`);
  for (;;) {
    const st = await client.tx(id).catch((err: unknown) => {
      throw unsure(err, kind, id);
    });
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
    const left = until - Date.now();
    if (left <= 0)
      throw new ClientError(
        'CLIENT_TIMEOUT',
        `${kind} ${id} not committed within ${timeoutMs / 1000} s; ${SAFE_TO_RESEND}`,
        { txId: id, safeToResend: true },
      );
    const interval = unknownInARow > 0 ? UNKNOWN_RECHECK_MS : client.pollIntervalMs();
    await client.commitSeen(id, Math.min(left, interval));
  }
}

/**
 * Sends the signed `tx` again after its first submission's answer was lost (CLIENT_TIMEOUT,
 * CLIENT_NETWORK) — the same bytes, never a new signature while the first may still count — and
 * waits for its commit. When the node refuses it and does not have it, it was never admitted:
 * `{ refused }` with the node's error (an org transaction may then be signed afresh). Throws an
 * unsure error when this answer is lost too.
 */
export async function resendSigned(
  client: NodeClient,
  tx: SignedTransaction,
  opts: SubmitOptions = {},
): Promise<{ readonly committed: CommittedTx } | { readonly refused: DppError }> {
  const id = txIdOf(tx);
  const kind = tx.tx.kind;
  const known = async () =>
    (
      await client.tx(id).catch((err: unknown) => {
        throw unsure(err, kind, id);
      })
    ).status !== 'unknown';
  if (!(await known())) {
    try {
      await client.submit(tx.bytes);
    } catch (err) {
      if (!isDppError(err) || UNSURE_CODES.has(err.code)) throw unsure(err, kind, id);
      // refused: perhaps as a duplicate of the first submission, admitted after all
      if (!(await known())) return { refused: err };
    }
  }
  opts.onAdmitted?.(id);
  return { committed: await waitCommitted(client, id, kind, opts) };
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
      throw new ClientError(
        'CLIENT_TIMEOUT',
        `the node is still at height ${height}, behind ${target}: nothing was sent`,
        { height: height.toString(), afterHeight: target.toString() },
      );
    opts.onWait?.(`waiting for the node to catch up to height ${target} (at ${height})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
