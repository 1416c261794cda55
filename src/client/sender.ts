/**
 * Sending participants' transactions through their own nodes: the one implementation of
 * ./participantClient.ts that the `dpp` command and the local-consortium driver share. One Sender
 * serves every participant a process acts for and keeps what they share:
 *
 * - nonces in order per sender: each org transaction takes the member's next nonce when it is
 *   made, and reaches the node only once the node admitted the sender's previous one — so sends
 *   started together arrive in the order they were made, whatever connections the requests take,
 *   and are committed together; a node that expects another nonce gets the transaction signed
 *   again with that one (./txSubmitter.ts `sendOrgTx`);
 * - a transaction never reaches a node before that node committed what it depends on: every
 *   submission waits until its node has committed the highest block any earlier transaction of
 *   this process went into (`afterHeight`), the sends of one phase sharing one wait per node so
 *   they go on in the order they were made;
 * - with `retryMs`, a read or a submission is tried again while its node is unreachable
 *   (restarting), does not answer in time (CLIENT_TIMEOUT: an overloaded node), stays busy past the
 *   node client's own backoff (429, `details.retryable`) or lost the transaction; one that was sent
 *   before is sent again as the same bytes and waited for (./txSubmitter.ts `resendSigned`), never
 *   signed again while it may still count (a new signature would be a second transaction);
 * - many signed transactions at once (`sendMany`) go in batches through POST /v1/txs, cut to the
 *   route's limits, backing off while the node's mempool is full, and are waited for together;
 * - a transaction sent but not seen committed (no quorum, no answer) is handed to `onUnsure`
 *   (the CLI keeps it in its outbox for `dpp tx resend`, ../cli/outbox.ts): resending the same
 *   bytes is idempotent.
 */
import type { Codec } from '../contracts/schema.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { type DppError, isDppError } from '../errors.ts';
import type { SignedTransaction } from '../ledger/txSigning.ts';
import { ClientError } from './clientError.ts';
import type { ChainParams } from './contractTx.ts';
import { MarketReader } from './marketReader.ts';
import { backoffMs, type CommittedTx, NodeClient } from './nodeClient.ts';
import type { ParticipantClient, TxReceipt } from './participantClient.ts';
import {
  resendSigned,
  resendTx,
  type SubmitOptions,
  sendOrgTx,
  sendTx,
  waitCommitted,
  waitForHeight,
} from './txSubmitter.ts';

/** Refusals of a batch entry after which the same bytes are sent (or waited for) on their own. */
const AGAIN_CODES = new Set(['NODE_MEMPOOL_FULL', 'NODE_DUPLICATE_TX', 'LEDGER_REPLAY']);

/** How a Sender reaches the nodes and how patient it is. */
export interface SenderOptions {
  readonly chain: ChainParams;
  /** The client of the node at `url` (default: one that checks inclusion proofs only). */
  readonly nodeClient?: (url: string) => NodeClient;
  /** How long to wait for each commit (default 30 s). */
  readonly commitTimeoutMs?: number;
  /** How long to keep trying while a node is unreachable or lost a transaction (default 0: not at all). */
  readonly retryMs?: number;
  /** Told what a submission or a wait is waiting for (default: nobody). */
  readonly onWait?: (message: string) => void;
  /** Told of a transaction sent through `via`'s node whose commit is not known: it is safe to resend. */
  readonly onUnsure?: (tx: SignedTransaction, via: string) => void;
}

/** A member as the Sender addresses it: its id and the API base URL of the node it uses. */
export interface Via {
  readonly id: string;
  readonly node: string;
}

/** A member that signs organisation transactions. */
export interface Signer extends Via {
  readonly key: OrgKeyPair;
}

/** Sends, for every participant of one process, through each participant's node. */
export class Sender {
  private readonly nextNonces = new Map<string, bigint>();
  /** Per signer, resolves once its latest submission was answered (admitted or refused). */
  private readonly lanes = new Map<string, Promise<void>>();
  private highest = 0n;
  private readonly gates = new Map<string, { readonly height: bigint; readonly ready: Promise<void> }>();
  private readonly nodes = new Map<string, NodeClient>();

  constructor(private readonly opts: SenderOptions) {}

  /** The chain it sends to. */
  get chain(): ChainParams {
    return this.opts.chain;
  }

  /** The highest block one of its transactions committed in (later ones wait for their node to have it). */
  get committedHeight(): bigint {
    return this.highest;
  }

  /** `member` acting through its node; `onWait` (default: the Sender's) hears what it waits for. */
  participant(member: Signer, onWait = this.opts.onWait): ParticipantClient {
    return {
      id: member.id,
      chain: this.opts.chain,
      read: (f) => this.retry(() => f(new MarketReader(member.node, this.opts.chain.group))),
      status: () => this.retry(() => this.node(member.node).status()),
      sendOrg: (kind, codec, value) => this.sendOrg(member, kind, codec, value, onWait),
      send: (tx) => this.send(member, tx, onWait),
      waitForChainTime: ({ until, what }) => this.waitForChainTime(member.node, until, what, onWait),
    };
  }

  /** Signs an org transaction with `signer`'s next nonce, submits it through its node and waits for the commit. */
  async sendOrg<T>(
    signer: Signer,
    kind: string,
    codec: Codec<T>,
    value: T,
    onWait = this.opts.onWait,
  ): Promise<TxReceipt> {
    const nonceHint = this.nextNonces.get(signer.id) ?? 1n;
    this.nextNonces.set(signer.id, nonceHint + 1n);
    const turn = this.takeTurn(signer.id);
    try {
      const client = this.node(signer.node);
      await this.caughtUp(signer.node, onWait);
      await turn.ready;
      let signed: SignedTransaction | undefined;
      const opts = {
        ...this.submitOptions(onWait, (tx) => {
          signed = tx;
        }),
        onAdmitted: turn.done,
      };
      const { committed, nonce } = await this.keepUnsure(
        signer,
        () => signed,
        () =>
          this.retry(async () => {
            // sent before, its answer lost: the same bytes again, and that one waited for (signing
            // again would make a second transaction); signed afresh only once the node refused it
            if (signed !== undefined) {
              const again = await resendSigned(client, signed, opts);
              if ('committed' in again) return { nonce: orgNonceOf(signed), committed: again.committed };
            }
            return sendOrgTx(client, this.opts.chain, signer.key, kind, codec, value, { ...opts, nonceHint });
          }),
      );
      if (nonce + 1n > (this.nextNonces.get(signer.id) ?? 1n)) this.nextNonces.set(signer.id, nonce + 1n);
      return this.committed(kind, committed);
    } finally {
      turn.done();
    }
  }

  /**
   * Submits a pseudonym- or ring-authorised transaction through `via`'s node and waits. Sent again
   * (after its node restarted, or its answer was lost), it may already be pending or on chain: then
   * it is only waited for (./txSubmitter.ts `resendSigned`).
   */
  async send(via: Via, tx: SignedTransaction, onWait = this.opts.onWait): Promise<TxReceipt> {
    const client = this.node(via.node);
    await this.caughtUp(via.node, onWait);
    const opts = this.submitOptions(onWait);
    let attempt = 0;
    const committed = await this.keepUnsure(
      via,
      () => tx,
      () =>
        this.retry(async () => {
          if (attempt++ === 0) return (await sendTx(client, tx, opts)).committed;
          const again = await resendSigned(client, tx, opts);
          if ('refused' in again) throw again.refused;
          return again.committed;
        }),
    );
    return this.committed(tx.tx.kind, committed);
  }

  /**
   * Submits signed transactions — pseudonym- or ring-authorised ones, or org ones whose nonces the
   * caller chose — through `via`'s node in batches (`NodeClient.submitMany`: cut to the route's
   * limits, in order, backing off while the mempool is full), then waits for each commit. One
   * settled result per transaction, in order: its receipt, or why it failed. A transaction the
   * node had already (a duplicate, a used unique id of the same bytes) is waited for; one still
   * refused for room after the client's patience is sent on its own as `send` does.
   */
  async sendMany(
    via: Via,
    txs: readonly SignedTransaction[],
    onWait = this.opts.onWait,
  ): Promise<PromiseSettledResult<TxReceipt>[]> {
    const client = this.node(via.node);
    await this.caughtUp(via.node, onWait);
    const outcomes = await this.retry(() => client.submitMany(txs.map((t) => t.bytes)));
    const opts = this.submitOptions(onWait);
    return Promise.allSettled(
      outcomes.map(async (o, i) => {
        const tx = txs[i]!;
        const committed = await this.keepUnsure(
          via,
          () => tx,
          () =>
            this.retry(async () => {
              if (o.accepted) return waitCommitted(client, o.id, tx.tx.kind, opts);
              if (!AGAIN_CODES.has(o.code)) throw new ClientError(o.code, o.message, { txId: o.id });
              const again = await resendSigned(client, tx, opts);
              if ('refused' in again) throw again.refused;
              return again.committed;
            }),
        );
        return this.committed(tx.tx.kind, committed);
      }),
    );
  }

  /** Sends the signed bytes `tx` again through `via`'s node and waits for the one commit (./txSubmitter.ts `resendTx`). */
  async resend(
    via: Via,
    tx: Uint8Array,
    kind: string,
    onWait = this.opts.onWait,
  ): Promise<TxReceipt & { readonly alreadySent: boolean }> {
    const r = await resendTx(this.node(via.node), tx, kind, this.submitOptions(onWait));
    return { ...this.committed(kind, r.committed), alreadySent: r.alreadySent };
  }

  /** Resolves once the chain's time, read through `node`, reaches `until`. */
  async waitForChainTime(
    node: string,
    until: bigint,
    what: string,
    onWait = this.opts.onWait,
  ): Promise<void> {
    const reader = new MarketReader(node, this.opts.chain.group);
    for (;;) {
      const now = await this.retry(() => reader.chainTimeMs());
      if (now >= until) return;
      onWait?.(`${what}: ${Math.ceil(Number(until - now) / 1000)} s to go (chain time)`);
      await sleep(200);
    }
  }

  /**
   * `signer`'s turn to submit, taken when a send is made: `ready` once the node answered the
   * signer's previous submission; `done` (idempotent) when this one was answered.
   */
  private takeTurn(signer: string): { readonly ready: Promise<void>; readonly done: () => void } {
    const ready = this.lanes.get(signer) ?? Promise.resolve();
    let done!: () => void;
    const answered = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.lanes.set(
      signer,
      ready.then(() => answered),
    );
    return { ready, done };
  }

  /**
   * Runs `op` again, for `retryMs` at most, while the node is unreachable (restarting), did not
   * answer in time (an error marked `safeToResend`: the operation sends the same bytes again),
   * stays busy (`retryable`: after its hint, backing off) or lost the transaction it was given. Any
   * other error is the operation's answer.
   */
  private async retry<T>(op: () => Promise<T>): Promise<T> {
    const until = Date.now() + (this.opts.retryMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        const busy = isDppError(err) && err.details.retryable === true;
        const transient =
          busy ||
          isDppError(err, 'CLIENT_NETWORK') ||
          isDppError(err, 'CLIENT_TIMEOUT') ||
          isDppError(err, 'CLIENT_TX_DROPPED') ||
          (isDppError(err) && err.details.safeToResend === true);
        if (!transient || Date.now() >= until) throw err;
        const hint = (err as DppError).details.retryAfterMs;
        await sleep(busy ? backoffMs(attempt, typeof hint === 'number' ? hint : undefined) : 250);
      }
    }
  }

  /**
   * Resolves once `node` has committed the highest block seen so far. The sends of one phase start
   * together and share one wait per node, so they go on in the order they were made — one sender's
   * nonces reach its node in order.
   */
  private caughtUp(node: string, onWait: ((m: string) => void) | undefined): Promise<void> {
    const height = this.highest;
    if (height === 0n) return Promise.resolve();
    const gate = this.gates.get(node);
    if (gate !== undefined && gate.height >= height) return gate.ready;
    const ready = this.retry(() =>
      waitForHeight(this.node(node), { ...this.submitOptions(onWait), afterHeight: height }),
    );
    ready.catch(() => this.gates.delete(node));
    this.gates.set(node, { height, ready });
    return ready;
  }

  /** Runs a submission; when it fails with the transaction perhaps committed, hands it to `onUnsure`. */
  private async keepUnsure<R>(
    via: Via,
    signed: () => SignedTransaction | undefined,
    submit: () => Promise<R>,
  ): Promise<R> {
    try {
      return await submit();
    } catch (err) {
      const tx = signed();
      if (tx !== undefined && isDppError(err) && err.details.safeToResend === true)
        this.opts.onUnsure?.(tx, via.id);
      throw err;
    }
  }

  private submitOptions(
    onWait: ((m: string) => void) | undefined,
    onSigned?: (tx: SignedTransaction) => void,
  ): SubmitOptions {
    const timeout = this.opts.commitTimeoutMs;
    return {
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      ...(onWait === undefined ? {} : { onWait }),
      ...(onSigned === undefined ? {} : { onSigned }),
    };
  }

  private committed(kind: string, c: CommittedTx): TxReceipt {
    if (c.height > this.highest) this.highest = c.height;
    return { kind, txId: c.id, height: c.height, blockHash: c.blockHash, certified: c.certified };
  }

  private node(url: string): NodeClient {
    let client = this.nodes.get(url);
    if (client === undefined) {
      client = this.opts.nodeClient?.(url) ?? new NodeClient(url);
      this.nodes.set(url, client);
    }
    return client;
  }
}

function orgNonceOf(tx: SignedTransaction): bigint {
  const auth = tx.tx.auth;
  if (auth.scheme !== 'org') throw new TypeError('not an org transaction');
  return auth.nonce;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
