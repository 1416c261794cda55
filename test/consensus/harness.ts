/** A minimal in-process harness for replica unit tests: FIFO delivery, filters, a simple app. */

import type { CertifiedPayload, Signed } from '../../src/consensus/messages.ts';
import { decodeSigned, encodeSigned, signingBytes } from '../../src/consensus/messages.ts';
import {
  type Effect,
  type PersistedState,
  Replica,
  type ReplicaConfig,
} from '../../src/consensus/replica.ts';
import { standInCrypto, standInSecrets } from '../../src/consensus/sim/standInCrypto.ts';
import { sha256 } from '../../src/crypto/hash.ts';

export const CHAIN = 'dpp-test';

/** One replica of the harness with what it committed and persisted. */
export interface Node {
  replica: Replica | null;
  chain: CertifiedPayload[];
  persisted: PersistedState | null;
  sent: Signed[];
}

/** A cluster of n replicas on a perfect network, driven step by step. */
export class Cluster {
  readonly secrets: Uint8Array[];
  readonly nodes: Node[] = [];
  private queue: { to: number; bytes: Uint8Array }[] = [];
  now = 0;
  /** Return false to drop a message (from, to, signed). */
  filter: (from: number, to: number, s: Signed) => boolean = () => true;
  /** Primaries stop proposing above this height, so that runs drain. */
  maxHeight = 6n;
  /** Set to false to make a replica refuse every proposal. */
  valid: (self: number, height: bigint, payload: Uint8Array) => boolean = () => true;

  constructor(
    readonly n: number,
    seed = 1,
  ) {
    this.secrets = standInSecrets(seed, n);
    for (let i = 0; i < n; i++) this.nodes.push({ replica: null, chain: [], persisted: null, sent: [] });
    for (let i = 0; i < n; i++) this.restart(i);
  }

  config(self: number): ReplicaConfig {
    return {
      chainId: CHAIN,
      n: this.n,
      self,
      viewTimeoutMs: 1000,
      maxBackoff: 3,
      retransmitMs: 200,
      checkpointInterval: 2n,
      window: 8n,
      fetchCount: 8,
    };
  }

  crypto(i: number) {
    return standInCrypto(this.secrets, i);
  }

  /** (Re)creates replica i from what it persisted and committed, and starts it. */
  restart(i: number): void {
    const node = this.nodes[i]!;
    node.replica = new Replica(
      this.config(i),
      this.crypto(i),
      { validate: (_v, h, p) => this.valid(i, h, p) },
      {
        persisted: node.persisted,
        committedHeight: BigInt(node.chain.length),
        lastCommit: node.chain.at(-1) ?? null,
      },
    );
    this.apply(i, node.replica.start(this.now));
  }

  crash(i: number): void {
    this.nodes[i]!.replica = null;
  }

  apply(i: number, effects: Effect[]): void {
    const node = this.nodes[i]!;
    for (const e of effects) {
      if (e.type === 'send') {
        node.sent.push(e.signed);
        const targets = e.to === 'all' ? [...Array(this.n).keys()].filter((t) => t !== i) : [e.to];
        for (const to of targets)
          if (this.filter(i, to, e.signed)) this.queue.push({ to, bytes: encodeSigned(e.signed) });
      } else if (e.type === 'persist') node.persisted = e.state;
      else if (e.type === 'commit') node.chain.push(e.block);
      else if (e.type === 'propose' && e.height <= this.maxHeight) {
        this.apply(i, node.replica!.propose(payloadFor(e.height, e.view, i)));
      } else if (e.type === 'serve-blocks') {
        const from = Number(e.fromHeight);
        const blocks = node.chain.slice(from - 1, from - 1 + e.count);
        const message = { type: 'blocks' as const, blocks };
        this.inject(i, e.to, message);
      }
    }
  }

  /** `message` as validator `from` signs it. */
  sign<M extends Signed['message']>(from: number, message: M): Signed<M> {
    return { sender: from, message, signature: this.crypto(from).sign(signingBytes(CHAIN, from, message)) };
  }

  /** Sends `message` signed by `from` (any replica, e.g. to play a Byzantine one) to `to`. */
  inject(from: number, to: number, message: Signed['message'], sender = from): void {
    const signature = this.crypto(from).sign(signingBytes(CHAIN, sender, message));
    this.queue.push({ to, bytes: encodeSigned({ sender, message, signature }) });
  }

  /** Delivers queued messages until none is left (or `max` deliveries). */
  run(max = 100_000): void {
    for (let k = 0; k < max && this.queue.length > 0; k++) {
      const { to, bytes } = this.queue.shift()!;
      const r = this.nodes[to]!.replica;
      if (r !== null) this.apply(to, r.receive(decodeSigned(bytes)));
    }
  }

  /** Advances time by `ms` in steps, ticking every replica, delivering messages in between. */
  advance(ms: number, step = 50): void {
    for (let t = 0; t < ms; t += step) {
      this.now += step;
      for (let i = 0; i < this.n; i++) {
        const r = this.nodes[i]!.replica;
        if (r !== null) this.apply(i, r.tick(this.now));
      }
      this.run();
    }
  }

  heights(): number[] {
    return this.nodes.map((nd) => nd.chain.length);
  }
}

/** A deterministic proposal naming its height, view and proposer. */
export function payloadFor(height: bigint, view: bigint, proposer: number): Uint8Array {
  return sha256(new TextEncoder().encode(`block ${height} view ${view} by ${proposer}`));
}
