/**
 * The validator sets of this node's chain, as its store says (../ledger/validatorSet.ts), in the
 * shapes the node's parts need: the epoch's members for the replica (../consensus/epochReplica.ts),
 * the consensus crypto of an epoch (Ed25519 under its keys, in its domain), the transport's peers
 * (an address from this node's config where it names the slot, else the one the validator's
 * `validator.change` put on chain), and the end of each epoch (for answering a validator still in
 * an older one: it is served blocks up to its epoch's end, never past it).
 */
import type { ConsensusCrypto } from '../consensus/consensusCrypto.ts';
import type { EpochMembers } from '../consensus/epochReplica.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { parseHostPort } from '../ledger/endpoint.ts';
import { allEpochs, consensusDomain, type Epoch } from '../ledger/validatorSet.ts';
import type { StateReader } from '../ledger/worldState.ts';
import type { PeerAddress } from '../p2p/transportOptions.ts';
import type { NodeConfig } from './config.ts';

/** The metadata key of the replica's persisted state in epoch `epoch` (epoch 0: the key nodes always used). */
export function consensusStateKey(epoch: number): string {
  return epoch === 0 ? 'consensus' : `consensus/epoch/${epoch}`;
}

/** Every epoch of the chain so far, read again after each change. */
export class NodeEpochs {
  private epochs: Epoch[];

  constructor(
    readonly chainId: string,
    private readonly state: StateReader,
  ) {
    this.epochs = allEpochs(state);
  }

  /** Reads the epochs again (after a commit that changed the set). */
  refresh(): void {
    this.epochs = allEpochs(this.state);
  }

  current(): Epoch {
    return this.epochs[this.epochs.length - 1]!;
  }

  byNumber(n: number): Epoch | undefined {
    return this.epochs[n];
  }

  /** The last height epoch `n` certifies (null while it is the current one). */
  endOf(n: number): bigint | null {
    return this.epochs[n + 1]?.base ?? null;
  }

  /** The epoch's validators, by slot, as the replica takes them. */
  members(e: Epoch): EpochMembers {
    return { number: e.number, base: e.base, slots: e.validators.map((v) => v.slot) };
  }

  /** The domain consensus signs in during epoch `e`. */
  domain(e: Epoch): string {
    return consensusDomain(this.chainId, e.number);
  }

  /** Signs with `key`, verifies under the epoch's keys by index, names payloads by `digest`. */
  crypto(e: Epoch, key: OrgKeyPair, digest: (payload: Uint8Array) => Uint8Array): ConsensusCrypto {
    const keys = e.validators.map((v) => v.publicKey);
    return {
      sign: (bytes) => orgSign(key, bytes),
      verify: (validator, bytes, signature) =>
        validator < keys.length && verifyEd25519(keys[validator]!, bytes, signature),
      digest,
    };
  }

  /** The transport's peers in epoch `e`: every other validator, at its configured or on-chain address. */
  peers(e: Epoch, config: NodeConfig): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const v of e.validators) {
      if (v.slot === config.validatorIndex) continue;
      const configured = config.peers.find((p) => p.index === v.slot);
      const address = configured ?? parseHostPort(v.p2p);
      if (address === null) continue; // a genesis validator this config does not name: unreachable
      out.push({ index: v.slot, host: address.host, port: address.port, publicKey: v.publicKey });
    }
    return out;
  }
}
