/**
 * A validator process's core: the LedgerStore, the mempool, the PBFT replica and the p2p transport,
 * wired together. Everything the replica decides comes out as effects, carried out here strictly in
 * order: a `persist` is written (synced) before the messages after it are sent, a `commit` is
 * executed and stored before anything after it. Inputs (peer messages, ticks, proposals) go through
 * one queue, so the replica sees one event at a time.
 *
 * Frames between validators carry one channel byte: 0 = a consensus message, 1 = transactions
 * gossiped from a validator's clients (u32-length-prefixed), so that every primary has them.
 * The replica's periodic re-sends of pre-prepares, view changes and new views go over a link that
 * already carried them only after a while (./resendFilter.ts, docs/consensus.md §3).
 */

import { readFileSync } from 'node:fs';
import { toHex } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import type { ConsensusCrypto } from '../consensus/consensusCrypto.ts';
import {
  DEFAULT_LIMITS,
  decodeSigned,
  encodeSigned,
  type Message,
  type Signed,
  signingBytes,
} from '../consensus/messages.ts';
import { type Effect, Replica } from '../consensus/replica.ts';
import { CONTRACT_HANDLERS } from '../contracts/registry.ts';
import { orgSign } from '../crypto/ed25519.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import type { Block } from '../ledger/block.ts';
import { verifyEd25519 } from '../ledger/ed25519Verify.ts';
import { type Genesis, genesisState, parseGenesis } from '../ledger/genesis.ts';
import { type BlockContext, HandlerRegistry } from '../ledger/handler.ts';
import { parseValidatorKeyFile } from '../ledger/networkKeys.ts';
import type { Receipt } from '../ledger/receipt.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../ledger/store.ts';
import type { LedgerEnv } from '../ledger/verification.ts';
import { startTransport, type Transport } from '../p2p/transport.ts';
import type { TransportStats } from '../p2p/transportStats.ts';
import { ChainApp, toConsensusCertificate } from './chainApp.ts';
import type { NodeConfig } from './config.ts';
import { CONSENSUS_STATE_KEY, decodeConsensusState, encodeConsensusState } from './consensusState.ts';
import type { Logger } from './logger.ts';
import { Mempool } from './mempool.ts';
import { NodeError } from './nodeError.ts';
import { ResendFilter } from './resendFilter.ts';

const CHANNEL_CONSENSUS = 0;
const CHANNEL_TXS = 1;
const TICK_MS = 20;
/**
 * Messages the node re-sends sparingly, however often the replica asks: a receiver usually judges
 * each on arrival (a pre-prepare against its view and stored head, a view change or new view against
 * its view), so a copy every retransmission tick over the same link mostly repeats it — and a
 * pre-prepare carries its whole block. Votes and checkpoints are re-sent as the replica asks (small,
 * and a prepare that reached a replica still waiting for the new view was ignored); block requests
 * and blocks are never held back (the answer depends on the height).
 */
const RESENT_SPARINGLY: ReadonlySet<Message['type']> = new Set(['pre-prepare', 'view-change', 'new-view']);

/** A snapshot for the status endpoint and the dashboard. */
export interface NodeStatus {
  readonly chainId: string;
  readonly validator: number;
  readonly height: string;
  readonly headHash: string;
  readonly view: string;
  readonly primary: number;
  readonly inViewChange: boolean;
  readonly mempool: number;
  readonly peers: number[];
}

/** Frames and bytes this validator's transport took, by kind (a consensus message type or `txs`). */
export type TrafficByKind = Record<string, { frames: number; bytes: number }>;

/** Called after each block is durably committed, in height order (see `ValidatorNode.onCommit`). */
export type CommitListener = (block: Block, receipts: readonly Receipt[]) => void;

/** A running validator. */
export class ValidatorNode {
  private readonly commitListeners = new Set<CommitListener>();
  private queue: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private proposalTimer: NodeJS.Timeout | undefined;
  private pendingProposal: { view: bigint; height: bigint; since: number } | null = null;
  private gossip: Uint8Array[] = [];
  private gossipTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly peerIndices: readonly number[];
  private readonly resends: ResendFilter;
  private readonly trafficCounts: TrafficByKind = {};
  private resendsSkipped = 0;

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: Genesis,
    readonly store: LedgerStore,
    readonly mempool: Mempool,
    private readonly app: ChainApp,
    private readonly replica: Replica,
    private readonly transport: Transport,
    private readonly crypto: ConsensusCrypto,
    private readonly log: Logger,
  ) {
    this.peerIndices = config.peers.map((p) => p.index);
    // A copy goes again over an unchanged link only after half the view timeout (at least four
    // retransmission periods): sooner than a view change would repair a copy set aside, far less
    // often than every retransmission tick.
    const { viewTimeoutMs, retransmitMs } = config.timing;
    this.resends = new ResendFilter(
      (peer) => transport.linkEpoch(peer),
      Math.max(4 * retransmitMs, viewTimeoutMs / 2),
    );
  }

  /** Opens the store (creating genesis), restores the replica, connects to the other validators. */
  static async start(config: NodeConfig, log: Logger): Promise<ValidatorNode> {
    const genesis = parseGenesis(readFileSync(config.genesisPath, 'utf8'));
    const key = parseValidatorKeyFile(readFileSync(config.keyPath, 'utf8'));
    if (genesis.chainId !== config.chainId || key.chainId !== config.chainId) {
      throw new NodeError('NODE_BAD_CONFIG', 'config, genesis and key file name different chains');
    }
    const keys = genesis.validators.map((v) => v.publicKey);
    if (
      key.index !== config.validatorIndex ||
      toHex(keys[key.index] ?? new Uint8Array()) !== toHex(key.key.publicKey)
    ) {
      throw new NodeError(
        'NODE_BAD_CONFIG',
        `the key file is not validator ${config.validatorIndex}'s key in genesis`,
      );
    }
    const group = await libsodiumGroup();
    const handlers = new HandlerRegistry();
    for (const h of CONTRACT_HANDLERS) handlers.register(h);
    const env: LedgerEnv = { chainId: genesis.chainId, group, handlers };
    const store = await openStore(config.dataDir);
    await ensureGenesis(store, genesisState(genesis));
    const mempool = new Mempool(env);
    const n = keys.length;
    const app = new ChainApp(env, store, mempool, n);
    const crypto: ConsensusCrypto = {
      sign: (bytes) => orgSign(key.key, bytes),
      verify: (validator, bytes, signature) =>
        validator < n && verifyEd25519(keys[validator]!, bytes, signature),
      digest: (payload) => app.digest(payload),
    };
    const head = store.head()!;
    const headBlock = head.height === 0n ? undefined : await store.getBlock(head.height);
    const persisted = store.getMeta(CONSENSUS_STATE_KEY);
    const replica = new Replica(
      {
        chainId: genesis.chainId,
        n,
        self: config.validatorIndex,
        viewTimeoutMs: config.timing.viewTimeoutMs,
        maxBackoff: 5,
        retransmitMs: config.timing.retransmitMs,
        checkpointInterval: 16n,
        window: 16n,
        fetchCount: 32,
      },
      crypto,
      app,
      {
        persisted: persisted === undefined ? null : decodeConsensusState(persisted),
        committedHeight: head.height,
        lastCommit: headBlock === undefined ? null : toConsensusCertificate(headBlock),
      },
    );
    const transport = await startTransport({
      chainId: genesis.chainId,
      self: config.validatorIndex,
      keyPair: key.key,
      listen: config.p2p,
      peers: config.peers.map((p) => ({
        index: p.index,
        host: p.host,
        port: p.port,
        publicKey: keys[p.index]!,
      })),
      // one channel byte precedes every consensus message
      maxFrameBytes: DEFAULT_LIMITS.maxMessageBytes + 16,
      logger: log,
    });
    const node = new ValidatorNode(config, genesis, store, mempool, app, replica, transport, crypto, log);
    node.begin();
    log.info({ height: head.height.toString(), validators: n }, 'validator started');
    return node;
  }

  private begin(): void {
    this.transport.onMessage((from, bytes) => this.onFrame(from, bytes));
    // A peer that (re)connects gets our pending transactions: a gossip broadcast while it was away
    // (or while we were restarting) never reached it, and only a primary can include them.
    this.transport.onPeer((index, up) => {
      if (up) this.sendPending(index);
    });
    this.enqueue(() => this.apply(this.replica.start(Date.now())));
    this.ticker = setInterval(() => {
      this.enqueue(async () => {
        await this.apply(this.replica.tick(Date.now()));
        await this.maybePropose();
      });
    }, TICK_MS);
  }

  /** Admits a client's transaction and gossips it to the other validators; returns its id. */
  submit(bytes: Uint8Array): string {
    const vt = this.mempool.admit(bytes, this.store, this.nextBlockContext());
    this.gossip.push(vt.bytes);
    this.gossipTimer ??= setTimeout(() => this.flushGossip(), 2);
    this.scheduleProposal();
    return vt.idHex;
  }

  /** The context a transaction admitted now would execute in: the next height, at this node's clock. */
  private nextBlockContext(): BlockContext {
    const head = this.store.head()!;
    return {
      chainId: this.genesis.chainId,
      height: head.height + 1n,
      timestampMs: BigInt(Date.now()),
      proposer: 0,
    };
  }

  /** As primary waiting to propose, build the block `batchMs` after transactions arrive (not at the next tick). */
  private scheduleProposal(): void {
    if (this.pendingProposal === null || this.proposalTimer !== undefined || this.stopped) return;
    this.proposalTimer = setTimeout(() => {
      this.proposalTimer = undefined;
      this.enqueue(() => this.maybePropose());
    }, this.config.timing.batchMs);
  }

  /** Where a transaction stands. */
  async txStatus(idHex: string): Promise<{
    status: 'pending' | 'committed' | 'unknown';
    height?: string;
    index?: number;
    receipt?: unknown;
  }> {
    if (this.mempool.get(idHex) !== undefined) return { status: 'pending' };
    let id: Uint8Array;
    try {
      id = Uint8Array.from(Buffer.from(idHex, 'hex'));
    } catch {
      return { status: 'unknown' };
    }
    if (id.length !== 32) throw new NodeError('NODE_BAD_REQUEST', 'a transaction id is 64 hex characters');
    const loc = await this.store.getTxLocation(id);
    if (loc === undefined) return { status: 'unknown' };
    return { status: 'committed', height: loc.height.toString(), index: loc.index, receipt: loc.receipt };
  }

  /** The replica's and the store's view of things. */
  status(): NodeStatus {
    const s = this.replica.status();
    const head = this.store.head()!;
    return {
      chainId: this.genesis.chainId,
      validator: this.config.validatorIndex,
      height: head.height.toString(),
      headHash: toHex(head.hash),
      view: s.view.toString(),
      primary: s.primary,
      inViewChange: s.inViewChange,
      mempool: this.mempool.size,
      peers: this.transport.connectedPeers(),
    };
  }

  /** The p2p transport's counters: frames and bytes in and out, drops, reconnects (docs/p2p.md §5). */
  transportStats(): TransportStats {
    return this.transport.stats();
  }

  /**
   * What the transport took, by kind of frame (each consensus message type; `txs` for gossiped
   * transactions), and how many copies of re-sent messages were not sent because the link had
   * carried them already.
   */
  traffic(): { byKind: TrafficByKind; resendsSkipped: number } {
    const byKind: TrafficByKind = {};
    for (const [k, v] of Object.entries(this.trafficCounts)) byKind[k] = { ...v };
    return { byKind, resendsSkipped: this.resendsSkipped };
  }

  /**
   * Calls `listener(block, receipts)` after each block is stored (synced), in height order, on the
   * node's queue: keep it quick and non-blocking. A throwing listener is logged, never fatal.
   * Returns a function that removes the listener.
   */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Stops ticking, closes the transport and the store (waiting for queued writes). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.proposalTimer);
    clearTimeout(this.gossipTimer);
    await this.transport.close();
    await this.queue.catch(() => undefined);
    await this.store.close();
    this.log.info('validator stopped');
  }

  // ─── inputs ───────────────────────────────────────────────────────────────────────────────────

  private onFrame(from: number, frame: Uint8Array): void {
    if (frame.length === 0) return;
    const body = frame.subarray(1);
    if (frame[0] === CHANNEL_CONSENSUS) {
      let signed: Signed;
      try {
        signed = decodeSigned(body);
      } catch (e) {
        if (e instanceof DecodeError) this.log.debug({ from, code: e.code }, 'undecodable consensus message');
        else this.log.warn({ from, err: String(e) }, 'consensus message refused');
        return;
      }
      this.enqueue(() => this.apply(this.replica.receive(signed)));
    } else if (frame[0] === CHANNEL_TXS) {
      try {
        const r = new Reader(body, 'gossip');
        while (r.remaining > 0) {
          const tx = r.bytes(80 << 10);
          try {
            this.mempool.admit(tx, this.store, this.nextBlockContext());
            this.scheduleProposal();
          } catch {
            // already known, or invalid: the sender's node refused it to its client too
          }
        }
      } catch {
        this.log.debug({ from }, 'malformed gossip frame');
      }
    }
  }

  /** Sends peer `to` every pending transaction, in frames of at most about 1 MiB. */
  private sendPending(to: number): void {
    let w = new Writer().u8(CHANNEL_TXS);
    let size = 0;
    for (const vt of this.mempool.candidates()) {
      if (size > 0 && size + vt.bytes.length > 1 << 20) {
        this.sendFrame('txs', to, w.finish());
        w = new Writer().u8(CHANNEL_TXS);
        size = 0;
      }
      w.bytes(vt.bytes);
      size += vt.bytes.length;
    }
    if (size > 0 && !this.stopped) this.sendFrame('txs', to, w.finish());
  }

  private flushGossip(): void {
    this.gossipTimer = undefined;
    const w = new Writer().u8(CHANNEL_TXS);
    for (const tx of this.gossip) w.bytes(tx);
    this.gossip = [];
    if (this.stopped) return;
    const frame = w.finish();
    for (const to of this.peerIndices) this.sendFrame('txs', to, frame);
  }

  /** Sends one frame to peer `to` and counts it under `kind` when the transport took it. */
  private sendFrame(kind: string, to: number, frame: Uint8Array): boolean {
    if (!this.transport.send(to, frame)) return false;
    const c = this.trafficCounts[kind] ?? { frames: 0, bytes: 0 };
    this.trafficCounts[kind] = { frames: c.frames + 1, bytes: c.bytes + frame.length };
    return true;
  }

  /** Sends a consensus message; one of RESENT_SPARINGLY goes only to links the filter says are due. */
  private sendConsensus(to: number | 'all', signed: Signed): void {
    const bytes = encodeSigned(signed);
    const frame = new Writer().u8(CHANNEL_CONSENSUS).fixed(bytes, bytes.length).finish();
    const kind = signed.message.type;
    const filtered = RESENT_SPARINGLY.has(kind);
    // The signature names the message: Ed25519 signs deterministically, so equal bytes, equal key.
    const key = filtered ? toHex(signed.signature) : '';
    for (const peer of to === 'all' ? this.peerIndices : [to]) {
      if (filtered && !this.resends.due(key, peer)) {
        this.resendsSkipped++;
        continue;
      }
      if (this.sendFrame(kind, peer, frame) && filtered) this.resends.record(key, peer);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => {
      this.log.fatal({ err: String(err) }, 'validator failed');
      process.exitCode = 1;
      void this.stop();
    });
  }

  // ─── effects ──────────────────────────────────────────────────────────────────────────────────

  private async apply(effects: Effect[]): Promise<void> {
    for (const e of effects) {
      if (this.stopped) return;
      switch (e.type) {
        case 'persist':
          // [PERSIST] votes reach disk before the messages that cast them leave
          await this.store.putMeta(CONSENSUS_STATE_KEY, encodeConsensusState(e.state));
          break;
        case 'send':
          this.sendConsensus(e.to, e.signed);
          break;
        case 'commit': {
          const committed = await this.app.commit(e.payload, e.certificate);
          this.log.info(
            {
              height: e.certificate.height.toString(),
              txs: committed.ids.length,
              view: e.certificate.view.toString(),
            },
            'committed',
          );
          for (const listener of this.commitListeners) {
            try {
              listener(committed.block, committed.receipts);
            } catch (err) {
              this.log.error({ err: String(err) }, 'commit listener failed');
            }
          }
          break;
        }
        case 'propose':
          this.pendingProposal = { view: e.view, height: e.height, since: Date.now() };
          if (this.mempool.size > 0) this.scheduleProposal();
          break;
        case 'serve-blocks': {
          const blocks = await this.app.blocksFrom(e.fromHeight, e.count);
          if (blocks.length > 0) this.sendSigned(e.to, { type: 'blocks', blocks });
          break;
        }
        case 'view-changed':
          this.log.info({ view: e.view.toString() }, 'view changed');
          break;
        case 'alarm':
          this.log.error({ reason: e.reason }, 'consensus alarm');
          break;
      }
    }
  }

  /** As primary, builds the block when transactions wait (after a short batching delay) or the chain idles. */
  private async maybePropose(): Promise<void> {
    const p = this.pendingProposal;
    if (p === null) return;
    const s = this.replica.status();
    if (s.view !== p.view || s.committedHeight + 1n !== p.height || s.inViewChange) {
      this.pendingProposal = null;
      return;
    }
    const waited = Date.now() - p.since;
    const timing = this.config.timing;
    if (this.mempool.size === 0 ? waited < timing.emptyBlockMs : waited < timing.batchMs) return;
    this.pendingProposal = null;
    const { payload, rejected } = this.app.propose(p.view, this.config.validatorIndex, timing.maxBlockTxs);
    for (const r of rejected)
      this.log.warn({ txId: r.id, code: r.code }, 'transaction dropped from the mempool');
    await this.apply(this.replica.propose(payload));
  }

  private sendSigned(to: number, message: Message): void {
    const self = this.config.validatorIndex;
    const signed: Signed = {
      sender: self,
      message,
      signature: this.crypto.sign(signingBytes(this.genesis.chainId, self, message)),
    };
    this.sendConsensus(to, signed);
  }
}
