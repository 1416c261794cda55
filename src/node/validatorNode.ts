/**
 * A validator process's lifecycle: starts the LedgerStore, the mempool, the PBFT replica and the
 * p2p transport (./bootstrap.ts checks and builds what they need), feeds the replica one event at a
 * time — peer messages, ticks, proposals go through one queue — and stops them. Around it: the effect
 * interpreter carries out what the replica decides (./effects.ts), the proposer builds the primary's
 * blocks (./proposer.ts), consensus messages leave through ./consensusOutbox.ts, client transactions
 * spread by ./txGossip.ts, and ./traffic.ts counts what the transport took. Frames carry a channel
 * byte (../p2p/channels.ts).
 */
import { bytesEqual } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { type EpochHost, EpochReplica } from '../consensus/epochReplica.ts';
import {
  DEFAULT_LIMITS,
  decodeSigned,
  type FetchBlocks,
  type Message,
  type Signed,
  signingBytes,
} from '../consensus/messages.ts';
import { Replica } from '../consensus/replica.ts';
import { type Genesis, genesisState } from '../ledger/genesis.ts';
import type { BlockContext } from '../ledger/handler.ts';
import { encodeSnapshot } from '../ledger/snapshot.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../ledger/store.ts';
import { type Epoch, type PendingChange, pendingChange } from '../ledger/validatorSet.ts';
import { CONSENSUS_CHANNEL, openFrame, TXS_CHANNEL } from '../p2p/channels.ts';
import { startTransport, type Transport } from '../p2p/transport.ts';
import type { TransportStats } from '../p2p/transportStats.ts';
import {
  adoptNextKey,
  checkMembership,
  contractEnv,
  loadIdentity,
  nextKeyPath,
  replicaConfig,
  replicaRestore,
  type ValidatorIdentity,
} from './bootstrap.ts';
import { ChainApp } from './chainApp.ts';
import type { NodeConfig } from './config.ts';
import { ConsensusOutbox, splitEpochTag } from './consensusOutbox.ts';
import { type CommitListener, EffectInterpreter } from './effects.ts';
import { NodeEpochs } from './epochs.ts';
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
    private readonly app: ChainApp,
    private readonly replica: EpochReplica,
    private readonly epochs: NodeEpochs,
    private readonly identity: ValidatorIdentity,
    private readonly transport: Transport,
    private readonly log: Logger,
    private readonly silent: SilentPeriod,
  ) {
    // the validators the transport knows: the current set's, with an address (./epochs.ts)
    const peers = (): number[] => transport.peerIndices();
    this.trafficCounts = new Traffic(transport);
    this.proposer = new Proposer({
      replica,
      app,
      mempool,
      timing: config.timing,
      log,
      enqueue: (task) => this.enqueue(task),
      apply: (effects) => this.effects.apply(effects),
    });
    this.effects = new EffectInterpreter({
      store,
      app,
      outbox: new ConsensusOutbox(this.trafficCounts, transport, peers, config.timing),
      sign: (message, epoch) => this.signIn(epoch, message)!,
      requestProposal: (view, height) => this.proposer.request(view, height),
      committed: (height) => {
        const next = replica.committed(height, Date.now());
        if (next.some((e) => e.type === 'epoch')) {
          // the new set's links before any of its messages leave
          epochs.refresh();
          transport.setPeers(epochs.peers(epochs.current(), config));
        }
        return next;
      },
      epochChanged: (epoch, member) => {
        log.info(
          { epoch: epoch.number, after: epoch.base.toString(), validators: epoch.slots.length, member },
          'validator set changed',
        );
        const mine = epochs.current().validators.find((v) => v.slot === config.validatorIndex);
        if (!member) {
          // [REMOVED] a validator outside the set takes no further part: it stops
          log.warn(
            { after: epoch.base.toString() },
            'this validator was removed from the validator set: stopping',
          );
          void this.stop();
        } else if (mine !== undefined && !bytesEqual(mine.publicKey, identity.key.publicKey)) {
          // [REKEY] its links and votes need the new key: it stops (exit code 75) to start again with it
          log.warn(
            { after: epoch.base.toString(), nextKey: nextKeyPath(config) },
            'this validator’s consensus key was replaced: stopping, to start again with the new key file',
          );
          process.exitCode = 75;
          void this.stop();
        }
      },
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
    let identity = loadIdentity(config);
    const { genesis } = identity;
    const env = await contractEnv(genesis);
    const store = await openStore(config.dataDir);
    let epochs: NodeEpochs;
    try {
      await ensureGenesis(store, genesisState(genesis));
      identity = adoptNextKey(config, identity, store);
      checkMembership(config, identity, store, store.head()!.height);
      epochs = new NodeEpochs(genesis.chainId, store);
    } catch (err) {
      await store.close();
      throw err;
    }
    const mempool = new Mempool(env, config.mempool);
    const app = new ChainApp(env, store, mempool, () => epochs.current().validators.length);
    const host: EpochHost = {
      // called at the store's head only (start, and after each commit)
      epochAfter: () => {
        epochs.refresh();
        return epochs.members(epochs.current());
      },
      replica: (members, self, restore) => {
        const e = epochs.byNumber(members.number)!;
        const crypto = epochs.crypto(e, identity.key, (payload) => app.digest(payload));
        return new Replica(replicaConfig(config, epochs.domain(e), members, self), crypto, app, restore);
      },
    };
    const replica = new EpochReplica(
      host,
      config.validatorIndex,
      await replicaRestore(store, epochs.current().number),
    );
    const silent = SilentPeriod.of(store, log);
    const transport = await startTransport({
      chainId: genesis.chainId,
      self: config.validatorIndex,
      keyPair: identity.key,
      listen: config.p2p,
      peers: epochs.peers(epochs.current(), config),
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
      epochs,
      identity,
      transport,
      log,
      silent,
    );
    node.begin();
    const e = epochs.current();
    log.info(
      { height: store.head()!.height.toString(), epoch: e.number, validators: e.validators.length },
      'validator started',
    );
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

  /** The validator sets so far (oldest first), and the change waiting for its activation block. */
  validatorSets(): { readonly epochs: readonly Epoch[]; readonly pending: PendingChange | null } {
    this.epochs.refresh();
    const epochs = this.epochs.current().number + 1;
    return {
      epochs: Array.from({ length: epochs }, (_, n) => this.epochs.byNumber(n)!),
      pending: pendingChange(this.store),
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
      let epoch: number;
      try {
        const tagged = splitEpochTag(opened.body);
        epoch = tagged.epoch;
        signed = decodeSigned(tagged.message);
      } catch (e) {
        if (e instanceof DecodeError) this.log.debug({ from, code: e.code }, 'undecodable consensus message');
        else this.log.warn({ from, err: String(e) }, 'consensus message refused');
        return;
      }
      // [SILENT] a restored validator takes in no proposal, vote or view change yet (./silentPeriod.ts)
      this.enqueue(async () => {
        if (epoch < this.replica.current().number) {
          if (signed.message.type === 'fetch-blocks')
            await this.serveOlderEpoch(epoch, from, signed as Signed<FetchBlocks>);
          return;
        }
        if (this.silent.admits(signed.message))
          await this.effects.apply(this.replica.receive(epoch, from, signed));
      });
    } else if (opened?.channel === TXS_CHANNEL) {
      this.gossip.receive(from, opened.body);
    }
  }

  /**
   * A validator still in an older epoch asks for blocks: they are served, signed in that epoch as
   * this validator was then (if it was one of them), up to that epoch's last block — the later ones
   * it can only check once it has moved on.
   */
  private async serveOlderEpoch(epoch: number, from: number, signed: Signed<FetchBlocks>): Promise<void> {
    const e = this.epochs.byNumber(epoch);
    const end = this.epochs.endOf(epoch);
    if (e === undefined || end === null) return;
    const sender = e.validators[signed.sender];
    // [IGNORE] a request not signed by the validator at the other end of the link, in that epoch
    if (sender === undefined || sender.slot !== from) return;
    const crypto = this.epochs.crypto(e, this.identity.key, (p) => this.app.digest(p));
    if (
      !crypto.verify(
        signed.sender,
        signingBytes(this.epochs.domain(e), signed.sender, signed.message),
        signed.signature,
      )
    )
      return;
    const { fromHeight, count } = signed.message;
    if (fromHeight < 1n || fromHeight > end) return;
    const blocks = await this.app.blocksFrom(fromHeight, Math.min(count, Number(end - fromHeight + 1n)));
    const reply = this.signIn(epoch, { type: 'blocks', blocks });
    if (blocks.length > 0 && reply !== null)
      this.effects.apply([{ type: 'send', epoch, to: from, signed: reply }]);
  }

  /** `message` signed as this validator in epoch `epoch` (null if it was not one of that epoch's validators). */
  private signIn(epoch: number, message: Message): Signed | null {
    const e = this.epochs.byNumber(epoch);
    const index = e?.validators.findIndex((v) => v.slot === this.config.validatorIndex) ?? -1;
    if (e === undefined || index < 0) return null;
    const crypto = this.epochs.crypto(e, this.identity.key, (p) => this.app.digest(p));
    return {
      sender: index,
      message,
      signature: crypto.sign(signingBytes(this.epochs.domain(e), index, message)),
    };
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => {
      this.log.fatal({ err: String(err) }, 'validator failed');
      process.exitCode = 1;
      void this.stop();
    });
  }
}
