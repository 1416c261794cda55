/**
 * An in-memory contract chain for unit tests: genesis with a trading centre, two generators, two
 * aggregators and four consumers; blocks built with every contract kind registered and executed
 * exactly as a validator does (../ledger/fixtures.ts). Keys are seeded, so runs are reproducible.
 */
import { readFileSync } from 'node:fs';
import { orgContractTx } from '../../src/client/contractTx.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { CONTRACT_HANDLERS } from '../../src/contracts/registry.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import type { Group } from '../../src/crypto/group.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import type { Block } from '../../src/ledger/block.ts';
import { type ExecutionResult, executeTransactions } from '../../src/ledger/execution.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { type GeneratedNetwork, generateGenesis, type MemberKey } from '../../src/ledger/networkKeys.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import type { Receipt } from '../../src/ledger/receipt.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import { type LedgerEnv, verifyTransaction } from '../../src/ledger/verification.ts';
import { MemoryState, type StateWrite } from '../../src/ledger/worldState.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import {
  blockOf,
  CHAIN_ID,
  commitToMemory,
  GENESIS_TIME_MS,
  group,
  type MemoryChain,
  makeEnv,
} from '../ledger/fixtures.ts';

export { CHAIN_ID, group };

/** The members of the test consortium. */
export const MEMBERS = [
  { id: 'trading-centre', role: 'trading-centre' },
  { id: 'gen-a', role: 'generator' },
  { id: 'gen-b', role: 'generator' },
  { id: 'agg-a', role: 'aggregator' },
  { id: 'agg-b', role: 'aggregator' },
  { id: 'consumer-1', role: 'consumer', aggregator: 'agg-a' },
  { id: 'consumer-2', role: 'consumer', aggregator: 'agg-a' },
  { id: 'consumer-3', role: 'consumer', aggregator: 'agg-b' },
  { id: 'consumer-4', role: 'consumer', aggregator: 'agg-b' },
] as const;

/** A chain in memory with the contracts registered. */
export class ContractChain {
  readonly env: LedgerEnv;
  readonly net: GeneratedNetwork;
  readonly chain: MemoryChain;
  readonly regulator = setupRegulator(group, seededRandom('contracts-regulator'));
  /** The write set of the last committed block. */
  lastWrites: readonly StateWrite[] = [];
  /** Chains that commit every block this one commits (determinism checks): same root, same receipts. */
  readonly followers: ContractChain[] = [];

  /** `groupOverride`: execute with another group backend (e.g. noble) than the default libsodium. */
  constructor(seed = 'contracts', groupOverride?: Group) {
    this.env =
      groupOverride === undefined
        ? makeEnv(CONTRACT_HANDLERS)
        : { ...makeEnv(CONTRACT_HANDLERS), group: groupOverride };
    this.net = generateGenesis({
      chainId: CHAIN_ID,
      validators: 4,
      genesisTimeMs: GENESIS_TIME_MS,
      members: MEMBERS,
      random: seededRandom(seed),
    });
    const gs = genesisState(this.net.genesis);
    const state = new MemoryState();
    state.apply(gs.writes);
    this.chain = { net: this.net, state, head: gs.block.header };
  }

  /** The state after the last block. */
  get state(): MemoryState {
    return this.chain.state;
  }

  /** The last block's time. */
  get now(): bigint {
    return this.chain.head.timestampMs;
  }

  key(id: string): MemberKey {
    const k = this.net.memberKeys.find((m) => m.id === id);
    if (k === undefined) throw new Error(`no member ${id}`);
    return k;
  }

  /** An org transaction by `id` with its next nonce (`offset` for several in one block). */
  org<T>(id: string, kind: string, codec: Codec<T>, value: T, offset = 0n): SignedTransaction {
    const key = this.key(id);
    return orgContractTx(
      { chainId: CHAIN_ID, group },
      kind,
      codec,
      value,
      key.key,
      nextNonce(this.state, key.key.publicKey) + offset,
    );
  }

  /** Commits one block of `txs`, `advanceMs` after the previous one; returns the receipts. */
  block(txs: readonly SignedTransaction[], advanceMs = 1000n): Receipt[] {
    const block = blockOf(
      this.env,
      this.state,
      this.chain.head,
      txs.map((t) => t.bytes),
      {
        timestampMs: this.now + advanceMs,
      },
    );
    const result = this.commit(block);
    for (const f of this.followers) {
      const r = f.commit(block);
      if (toHex(r.stateRoot) !== toHex(result.stateRoot)) {
        throw new Error(`follower diverged at height ${block.header.height}`);
      }
      if (JSON.stringify(r.receipts) !== JSON.stringify(result.receipts)) {
        throw new Error(`follower receipts differ at height ${block.header.height}`);
      }
    }
    return result.receipts;
  }

  /** Validates and commits an already built block (as a replica does). */
  commit(block: Block): ExecutionResult {
    const result = commitToMemory(this.env, this.chain, block);
    this.lastWrites = result.writes;
    return result;
  }

  /** Commits one transaction alone and returns its receipt. */
  one(tx: SignedTransaction, advanceMs = 1000n): Receipt {
    return this.block([tx], advanceMs)[0]!;
  }
}

/** The case30 scenario's data, for realistic offers. */
export const CASE30 = JSON.parse(
  readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8'),
) as {
  generators: {
    capacityWh: string;
    costQuadraticMicroYuanPerMWh2: string;
    costLinearMicroYuanPerKWh: string;
  }[];
  consumers: { demandWh: string; diversificationMicroYuanPerKWh: string }[];
};

/** The LedgerError that makes `tx` invalid on the current state, or undefined when it is valid. */
export function invalidReason(
  c: ContractChain,
  tx: SignedTransaction,
  advanceMs = 1000n,
): string | undefined {
  try {
    const vt = verifyTransaction(c.env, tx.bytes);
    executeTransactions(
      c.env,
      c.state,
      { chainId: CHAIN_ID, height: c.chain.head.height + 1n, timestampMs: c.now + advanceMs, proposer: 0 },
      [vt],
      'strict',
    );
    return undefined;
  } catch (e) {
    const err = e as { code?: string; details?: { reason?: string } };
    return `${err.code}${err.details?.reason === undefined ? '' : `:${err.details.reason}`}`;
  }
}
