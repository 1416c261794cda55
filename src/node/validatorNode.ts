/**
 * A validator process's lifecycle: starts the LedgerStore, the mempool, the PBFT replica and the
 * p2p transport (./bootstrap.ts checks and builds what they need), feeds the replica one event at a
 * time — peer messages, ticks, proposals go through one queue — and stops them. Around it: the effect
 * interpreter carries out what the replica decides (./effects.ts), the proposer builds the primary's
 * blocks (./proposer.ts), consensus messages leave through ./consensusOutbox.ts, client transactions
 * spread by ./txGossip.ts, and ./traffic.ts counts what the transport took. Frames carry a channel
 * byte (../p2p/channels.ts).
 */
import { DecodeError } from '../codec/decodeError.ts';
import { DEFAULT_LIMITS, decodeSigned, type Signed, signingBytes } from '../consensus/messages.ts';
import { Replica } from '../consensus/replica.ts';
import { type Genesis, genesisState } from '../ledger/genesis.ts';
import type { BlockContext } from '../ledger/handler.ts';
import { encodeSnapshot } from '../ledger/snapshot.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../ledger/store.ts';
import { CONSENSUS_CHANNEL, openFrame, TXS_CHANNEL } from '../p2p/channels.ts';
import { startTransport, type Transport } from '../p2p/transport.ts';
import type { TransportStats } from '../p2p/transportStats.ts';
import { contractEnv, loadIdentity, replicaConfig, replicaRestore, validatorCrypto } from './bootstrap.ts';
import { ChainApp } from './chainApp.ts';
import type { NodeConfig } from './config.ts';
import { ConsensusOutbox } from './consensusOutbox.ts';
import { type CommitListener, EffectInterpreter } from './effects.ts';
import { armedFailPoint } from './failPoints.ts';
import type { Logger } from './logger.ts';
import { Mempool } from './mempool.ts';
import { type NodeStatus, nodeStatus, type TxStatus, txStatus } from './nodeStatus.ts';
import { Proposer } from './proposer.ts';
import { SilentPeriod } from './silentPeriod.ts';
import { Traffic, type TrafficByKind } from './traffic.ts';
import { TxGossip } from './txGossip.ts';

/** How often the replica's timers are ticked. */
const TICK_MS = 20;

/** A running validator. */
export class ValidatorNode {
  private queue: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;
  private markStopped!: () => void;
  private readonly done = new Promise<void>((resolve) => {
    this.markStopped = resolve;
  });
  private readonly trafficCounts: Traffic;
  private readonly effects: EffectInterpreter;
  private readonly proposer: Proposer;
  private readonly gossip: TxGossip;

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: Genesis,
    readonly store: LedgerStore,
    readonly mempool: Mempool,
    app: ChainApp,
    private readonly replica: Replica,
    private readonly transport: Transport,
    sign: (bytes: Uint8Array) => Uint8Array,
    private readonly log: Logger,
    private readonly silent: SilentPeriod,
  ) {
    const peers = config.peers.map((p) => p.index);
    this.trafficCounts = new Traffic(transport);
    const self = config.validatorIndex;
    this.proposer = new Proposer({
      replica,
      app,
      mempool,
      self,
      timing: config.timing,
      log,
      enqueue: (task) => this.enqueue(task),
      apply: (effects) => this.effects.apply(effects),
    });
    this.effects = new EffectInterpreter({
      store,
      app,
      outbox: new ConsensusOutbox(this.trafficCounts, transport, peers, config.timing),
      sign: (message): Signed => ({
        sender: self,
        message,
        signature: sign(signingBytes(genesis.chainId, self, message)),
      }),
      requestProposal: (view, height) => this.proposer.request(view, height),
      stopped: () => this.stopped,
      silent,
      log,
    });
    this.gossip = new TxGossip({
      traffic: this.trafficCounts,
      peers,
      pending: () => mempool.candidates(),
      admit: (tx) => {
        mempool.admit(tx, store, this.nextBlockContext(), 'gossip');
        this.proposer.schedule();
      },
      log,
    });
  }

  /** Opens the store (creating genesis), restores the replica, connects to the other validators. */
  static async start(config: NodeConfig, log: Logger): Promise<ValidatorNode> {
    // [REFUSE] a malformed DPP_FAIL_POINT (./failPoints.ts), before anything is opened
    const armed = armedFailPoint();
    if (armed !== null) {
      log.warn(
        { failPoint: `${armed.number} ${armed.name}`, hit: armed.hit },
        'fail point armed: this process will kill itself there',
      );
    }
    const identity = loadIdentity(config);
    const { genesis, keys } = identity;
    const env = await contractEnv(genesis);
    const store = await openStore(config.dataDir);
    await ensureGenesis(store, genesisState(genesis));
    const mempool = new Mempool(env, config.mempool);
    const n = keys.length;
    const app = new ChainApp(env, store, mempool, n);
    const crypto = validatorCrypto(identity, (payload) => app.digest(payload));
    const replica = new Replica(replicaConfig(config, n), crypto, app, await replicaRestore(store));
    const silent = SilentPeriod.of(store, log);
    const transport = await startTransport({
      chainId: genesis.chainId,
      self: config.validatorIndex,
      keyPair: identity.key,
      listen: config.p2p,
      peers: config.peers.map((p) => ({
        index: p.index,
        host: p.host,
        port: p.port,
        publicKey: keys[p.index]!,
      })),
      // room for the channel byte before every consensus message (../p2p/channels.ts)
      maxFrameBytes: DEFAULT_LIMITS.maxMessageBytes + 16,
      logger: log,
    });
    const node = new ValidatorNode(
      config,
      genesis,
      store,
      mempool,
      app,
      replica,
      transport,
      crypto.sign,
      log,
      silent,
    );
    node.begin();
    log.info({ height: store.head()!.height.toString(), validators: n }, 'validator started');
    return node;
  }

  private begin(): void {
    this.transport.onMessage((from, bytes) => this.onFrame(from, bytes));
    this.transport.onPeer((index, up) => {
      if (up) this.gossip.catchUp(index);
    });
    this.enqueue(() => this.effects.apply(this.replica.start(Date.now())));
    this.ticker = setInterval(() => {
      this.enqueue(async () => {
        await this.effects.apply(this.replica.tick(Date.now()));
        await this.proposer.maybePropose();
      });
    }, TICK_MS);
  }

  /** Admits a client's transaction and gossips it to the other validators; returns its id. */
  submit(bytes: Uint8Array): string {
    const vt = this.mempool.admit(bytes, this.store, this.nextBlockContext());
    this.gossip.add(vt.bytes);
    this.proposer.schedule();
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

  /** Where a transaction stands: pending, committed (with its location and receipt) or unknown. */
  txStatus(idHex: string): Promise<TxStatus> {
    return txStatus(this.store, this.mempool, idHex);
  }

  /** The replica's and the store's view of things. */
  status(): NodeStatus {
    const { replica, store, mempool, transport, silent } = this;
    return nodeStatus(this.genesis.chainId, this.config.validatorIndex, {
      replica,
      store,
      mempool,
      transport,
      silent,
    });
  }

  /**
   * A consistent snapshot of the chain as this validator holds it now (../ledger/snapshot.ts
   * stream), taken while it keeps running: the store is read through one LevelDB iterator, so the
   * bytes are the store as of the first chunk's read. Never this validator's votes.
   */
  snapshot(): AsyncGenerator<Uint8Array> {
    return encodeSnapshot(this.store.snapshotEntries());
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
    return this.trafficCounts.snapshot();
  }

  /**
   * Calls `listener(block, receipts)` after each block is stored (synced), in height order, on the
   * node's queue: keep it quick and non-blocking. A throwing listener is logged, never fatal.
   * Returns a function that removes the listener.
   */
  onCommit(listener: CommitListener): () => void {
    return this.effects.onCommit(listener);
  }

  /** Stops ticking, closes the transport and the store (waiting for queued writes). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    this.proposer.stop();
    this.gossip.stop();
    try {
      await this.transport.close();
      await this.queue.catch(() => undefined);
      await this.store.close();
      this.log.info('validator stopped');
    } finally {
      this.markStopped();
    }
  }

  /** Resolves once the node has stopped: by `stop()`, or after a fatal error on its queue. */
  whenStopped(): Promise<void> {
    return this.done;
  }

  /** Routes a peer's frame: a consensus message to the replica, gossiped transactions to the mempool. */
  private onFrame(from: number, frame: Uint8Array): void {
    const opened = openFrame(frame);
    if (opened?.channel === CONSENSUS_CHANNEL) {
      let signed: Signed;
      try {
        signed = decodeSigned(opened.body);
      } catch (e) {
        if (e instanceof DecodeError) this.log.debug({ from, code: e.code }, 'undecodable consensus message');
        else this.log.warn({ from, err: String(e) }, 'consensus message refused');
        return;
      }
      // [SILENT] a restored validator takes in no proposal, vote or view change yet (./silentPeriod.ts)
      this.enqueue(async () => {
        if (this.silent.admits(signed.message)) await this.effects.apply(this.replica.receive(signed));
      });
    } else if (opened?.channel === TXS_CHANNEL) {
      this.gossip.receive(from, opened.body);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => {
      this.log.fatal({ err: String(err) }, 'validator failed');
      process.exitCode = 1;
      void this.stop();
    });
  }
}
