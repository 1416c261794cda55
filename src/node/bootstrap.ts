/**
 * What a validator reads and checks before it runs: its genesis and key file against its config
 * (one chain; its key the one genesis lists at its index), the ledger environment (every contract
 * handler registered, on the libsodium group), the consensus crypto (Ed25519 under the genesis
 * keys), and the replica's configuration and restore point (its persisted votes, the store's head).
 */
import { readFileSync } from 'node:fs';
import { bytesEqual } from '../codec/bytes.ts';
import type { ConsensusCrypto } from '../consensus/consensusCrypto.ts';
import { DEFAULT_REPLICA_TIMING, type ReplicaConfig, type ReplicaRestore } from '../consensus/replica.ts';
import { CONTRACT_HANDLERS } from '../contracts/registry.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { certifiedDigestOf } from '../ledger/certificate.ts';
import { type Genesis, parseGenesis } from '../ledger/genesis.ts';
import { HandlerRegistry } from '../ledger/handler.ts';
import { parseValidatorKeyFile } from '../ledger/networkKeys.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { LedgerEnv } from '../ledger/verification.ts';
import type { NodeConfig } from './config.ts';
import { CONSENSUS_STATE_KEY, decodeConsensusState } from './consensusState.ts';
import { NodeError } from './nodeError.ts';

/** The chain a validator belongs to and its key there. */
export interface ValidatorIdentity {
  readonly genesis: Genesis;
  /** This validator's Ed25519 key pair. */
  readonly key: OrgKeyPair;
  /** Every validator's public key, by index. */
  readonly keys: readonly Uint8Array[];
}

/** Reads the genesis and key files the config names; throws NODE_BAD_CONFIG unless they agree with it. */
export function loadIdentity(config: NodeConfig): ValidatorIdentity {
  const genesis = parseGenesis(readFileSync(config.genesisPath, 'utf8'));
  const key = parseValidatorKeyFile(readFileSync(config.keyPath, 'utf8'));
  // [REFUSE] a config, genesis and key file of different chains
  if (genesis.chainId !== config.chainId || key.chainId !== config.chainId) {
    throw new NodeError('NODE_BAD_CONFIG', 'config, genesis and key file name different chains');
  }
  const keys = genesis.validators.map((v) => v.publicKey);
  // [REFUSE] a key other than the one genesis lists at the config's validator index
  const listed = keys[key.index];
  if (key.index !== config.validatorIndex || listed === undefined || !bytesEqual(listed, key.key.publicKey)) {
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `the key file is not validator ${config.validatorIndex}'s key in genesis`,
    );
  }
  return { genesis, key: key.key, keys };
}

/** The ledger environment of chain `genesis`: every contract handler registered, on the libsodium group. */
export async function contractEnv(genesis: Genesis): Promise<LedgerEnv> {
  const handlers = new HandlerRegistry();
  for (const h of CONTRACT_HANDLERS) handlers.register(h);
  return { chainId: genesis.chainId, group: await libsodiumGroup(), handlers };
}

/** The replica's crypto: signs with this validator's key, verifies under the genesis keys, names payloads by `digest`. */
export function validatorCrypto(
  identity: ValidatorIdentity,
  digest: (payload: Uint8Array) => Uint8Array,
): ConsensusCrypto {
  const { key, keys } = identity;
  return {
    sign: (bytes) => orgSign(key, bytes),
    verify: (validator, bytes, signature) =>
      validator < keys.length && verifyEd25519(keys[validator]!, bytes, signature),
    digest,
  };
}

/** The replica's configuration: consensus's default timing, with the view timeout and retransmission period of the config. */
export function replicaConfig(config: NodeConfig, n: number): ReplicaConfig {
  return {
    ...DEFAULT_REPLICA_TIMING,
    chainId: config.chainId,
    n,
    self: config.validatorIndex,
    viewTimeoutMs: config.timing.viewTimeoutMs,
    retransmitMs: config.timing.retransmitMs,
  };
}

/** Where the replica resumes: the votes it persisted and the store's last committed block. */
export async function replicaRestore(store: LedgerStore): Promise<ReplicaRestore> {
  const head = store.head()!;
  const headBlock = head.height === 0n ? undefined : await store.getBlock(head.height);
  const persisted = store.getMeta(CONSENSUS_STATE_KEY);
  return {
    persisted: persisted === undefined ? null : decodeConsensusState(persisted),
    committedHeight: head.height,
    lastCommit: headBlock === undefined ? null : certifiedDigestOf(headBlock),
  };
}
