/**
 * What a validator reads and checks before it runs: its genesis and key file against its config
 * (one chain; its key the one genesis lists at its index), the ledger environment (every contract
 * handler registered, on the libsodium group), whether its key is its slot's in the current
 * validator set, and the replica's configuration and restore point (its persisted votes, the
 * store's head).
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { bytesEqual } from '../codec/bytes.ts';
import type { EpochMembers } from '../consensus/epochReplica.ts';
import { DEFAULT_REPLICA_TIMING, type ReplicaConfig, type ReplicaRestore } from '../consensus/replica.ts';
import { CONTRACT_HANDLERS } from '../contracts/registry.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { certifiedDigestOf } from '../ledger/certificate.ts';
import { type Genesis, parseGenesis } from '../ledger/genesis.ts';
import { HandlerRegistry } from '../ledger/handler.ts';
import { parseValidatorKeyFile } from '../ledger/networkKeys.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { allEpochs, currentEpoch, pendingChange } from '../ledger/validatorSet.ts';
import type { LedgerEnv } from '../ledger/verification.ts';
import type { StateReader } from '../ledger/worldState.ts';
import type { NodeConfig } from './config.ts';
import { decodeConsensusState } from './consensusState.ts';
import { consensusStateKey } from './epochs.ts';
import { NodeError } from './nodeError.ts';

/** The chain a validator belongs to and its key there. */
export interface ValidatorIdentity {
  readonly genesis: Genesis;
  /** This validator's Ed25519 key pair. */
  readonly key: OrgKeyPair;
}

/**
 * Reads the genesis and key files the config names; throws NODE_BAD_CONFIG unless they agree with
 * it (one chain, the key file's slot the config's). Whether the key is the slot's in the current
 * validator set is for `checkMembership`, once the store is open.
 */
export function loadIdentity(config: NodeConfig): ValidatorIdentity {
  const genesis = parseGenesis(readFileSync(config.genesisPath, 'utf8'));
  const key = parseValidatorKeyFile(readFileSync(config.keyPath, 'utf8'));
  // [REFUSE] a config, genesis and key file of different chains
  if (genesis.chainId !== config.chainId || key.chainId !== config.chainId) {
    throw new NodeError('NODE_BAD_CONFIG', 'config, genesis and key file name different chains');
  }
  if (key.index !== config.validatorIndex) {
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `the key file is validator ${key.index}'s, the config runs validator ${config.validatorIndex}`,
    );
  }
  return { genesis, key: key.key };
}

/** Where a validator's next consensus key waits until the rekey of its slot takes effect. */
export function nextKeyPath(config: NodeConfig): string {
  return `${config.keyPath}.next`;
}

/**
 * [REKEY] The validator set replaced this validator's key (a `validator.change` rekey) and its operator
 * put the new key file at `nextKeyPath`: it becomes the key file — the old one kept as
 * `<keyPath>.retired` — and the identity returned holds it. Otherwise `identity` unchanged.
 */
export function adoptNextKey(
  config: NodeConfig,
  identity: ValidatorIdentity,
  state: StateReader,
): ValidatorIdentity {
  const mine = currentEpoch(state).validators.find((v) => v.slot === config.validatorIndex);
  const next = nextKeyPath(config);
  if (mine === undefined || bytesEqual(mine.publicKey, identity.key.publicKey) || !existsSync(next))
    return identity;
  const key = parseValidatorKeyFile(readFileSync(next, 'utf8'));
  if (
    key.chainId !== config.chainId ||
    key.index !== config.validatorIndex ||
    !bytesEqual(key.key.publicKey, mine.publicKey)
  )
    return identity;
  renameSync(config.keyPath, `${config.keyPath}.retired`);
  renameSync(next, config.keyPath);
  return { ...identity, key: key.key };
}

/**
 * [REFUSE] a validator whose key is not its slot's in the set that certifies the next block: a key
 * other than the one genesis (or the last rekey) lists, a validator removed, or one whose addition
 * has not taken effect yet — each with what to do.
 */
export function checkMembership(
  config: NodeConfig,
  identity: ValidatorIdentity,
  state: StateReader,
  height: bigint,
): void {
  const slot = config.validatorIndex;
  const epoch = currentEpoch(state);
  const mine = epoch.validators.find((v) => v.slot === slot);
  if (mine !== undefined) {
    if (bytesEqual(mine.publicKey, identity.key.publicKey)) return;
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `the key file is not validator ${slot}'s key in the validator set at height ${height}` +
        (epoch.number > 0 ? ` (was its key replaced? put the new key file at ${nextKeyPath(config)})` : ''),
    );
  }
  const pending = pendingChange(state);
  if (pending?.slot === slot && pending.change.type === 'add') {
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `validator ${slot} (${pending.change.name}) joins the set after height ${pending.activation}; this store is at ${height}: restore a snapshot taken after height ${pending.activation} (dpp node restore) and start it then`,
    );
  }
  const past = allEpochs(state).some((e) => e.validators.some((v) => v.slot === slot));
  throw new NodeError(
    'NODE_BAD_CONFIG',
    past
      ? `validator ${slot} was removed from the validator set (at height ${height} the set has no slot ${slot})`
      : `validator ${slot} is not in the validator set at height ${height}`,
  );
}

/** The ledger environment of chain `genesis`: every contract handler registered, on the libsodium group. */
export async function contractEnv(genesis: Genesis): Promise<LedgerEnv> {
  const handlers = new HandlerRegistry();
  for (const h of CONTRACT_HANDLERS) handlers.register(h);
  return { chainId: genesis.chainId, group: await libsodiumGroup(), handlers };
}

/** The replica's configuration in one epoch: consensus's default timing, with the view timeout and retransmission period of the config. */
export function replicaConfig(
  config: NodeConfig,
  domain: string,
  epoch: EpochMembers,
  self: number,
): ReplicaConfig {
  return {
    ...DEFAULT_REPLICA_TIMING,
    chainId: domain,
    base: epoch.base,
    n: epoch.slots.length,
    self,
    viewTimeoutMs: config.timing.viewTimeoutMs,
    retransmitMs: config.timing.retransmitMs,
  };
}

/** Where the replica resumes: the votes it persisted in the current epoch and the store's last committed block. */
export async function replicaRestore(store: LedgerStore, epoch: number): Promise<ReplicaRestore> {
  const head = store.head()!;
  const headBlock = head.height === 0n ? undefined : await store.getBlock(head.height);
  const persisted = store.getMeta(consensusStateKey(epoch));
  return {
    persisted: persisted === undefined ? null : decodeConsensusState(persisted),
    committedHeight: head.height,
    lastCommit: headBlock === undefined ? null : certifiedDigestOf(headBlock),
  };
}
