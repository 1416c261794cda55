/** Shared fixtures for the ledger tests: a seeded network, an environment with the memo kind, helpers. */
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { type Block, txRootOf } from '../../src/ledger/block.ts';
import { type BlockHeader, blockHash } from '../../src/ledger/blockHeader.ts';
import { EMPTY_CERTIFICATE } from '../../src/ledger/certificate.ts';
import {
  blockContext,
  type ExecutionResult,
  executeBlock,
  executeTransactions,
} from '../../src/ledger/execution.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { HandlerRegistry, type TxHandler } from '../../src/ledger/handler.ts';
import { memoHandler } from '../../src/ledger/memo.ts';
import { type GeneratedNetwork, generateGenesis, type MemberKey } from '../../src/ledger/networkKeys.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import { type SignedTransaction, signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { type LedgerEnv, verifyTransaction } from '../../src/ledger/verification.ts';
import { MemoryState, nextStateRoot, type StateReader } from '../../src/ledger/worldState.ts';

export const CHAIN_ID = 'dppchain-test';
export const GENESIS_TIME_MS = 1_800_000_000_000n;
export const group = await libsodiumGroup();

/** A network of `validators` validators and one member of each role (the consumer behind agg-a), seeded. */
export function makeNetwork(seed = 'ledger-tests', validators = 4): GeneratedNetwork {
  return generateGenesis({
    chainId: CHAIN_ID,
    validators,
    genesisTimeMs: GENESIS_TIME_MS,
    members: [
      { id: 'trading-centre', role: 'trading-centre' },
      { id: 'gen-a', role: 'generator' },
      { id: 'agg-a', role: 'aggregator' },
      { id: 'consumer-1', role: 'consumer', aggregator: 'agg-a' },
    ],
    random: seededRandom(seed),
  });
}

/** An environment with the memo kind and any extra handlers (the contracts bring their own memo). */
export function makeEnv(extra: readonly TxHandler[] = []): LedgerEnv {
  const handlers = extra.some((h) => h.kind === memoHandler.kind) ? extra : [memoHandler, ...extra];
  return { chainId: CHAIN_ID, group, handlers: new HandlerRegistry(handlers) };
}

/** A chain in memory: its network, its state, its head header. */
export interface MemoryChain {
  readonly net: GeneratedNetwork;
  readonly state: MemoryState;
  head: BlockHeader;
}

/** A fresh in-memory chain at genesis. */
export function memoryChain(seed = 'ledger-tests'): MemoryChain {
  const net = makeNetwork(seed);
  const gs = genesisState(net.genesis);
  const state = new MemoryState();
  state.apply(gs.writes);
  return { net, state, head: gs.block.header };
}

/** A member's key by id. */
export function member(net: GeneratedNetwork, id: string): MemberKey {
  const m = net.memberKeys.find((k) => k.id === id);
  if (m === undefined) throw new Error(`no member ${id}`);
  return m;
}

/** A memo transaction by `who` with nonce `nonce` (default: the next one in `state`, else 1). */
export function memoTx(
  who: MemberKey,
  text: string | Uint8Array,
  nonce?: bigint,
  state?: StateReader,
  chainId = CHAIN_ID,
): SignedTransaction {
  const payload = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const n = nonce ?? (state === undefined ? 1n : nextNonce(state, who.key.publicKey));
  return signOrgTransaction({ chainId, kind: 'memo', payload }, n, who.key);
}

/**
 * A block after `parent` holding exactly `txs`, with the right txRoot and, when every transaction
 * is valid, the right stateRoot (a zero root otherwise); `overrides` replace header fields.
 */
export function blockOf(
  env: LedgerEnv,
  state: StateReader,
  parent: BlockHeader,
  txs: readonly Uint8Array[],
  overrides: Partial<BlockHeader> = {},
): Block {
  const header: BlockHeader = {
    chainId: env.chainId,
    height: parent.height + 1n,
    prevHash: blockHash(parent),
    txRoot: txRootOf(txs),
    stateRoot: new Uint8Array(32),
    view: 0n,
    proposer: 0,
    timestampMs: parent.timestampMs + 1000n,
    ...overrides,
  };
  let { stateRoot } = header;
  if (overrides.stateRoot === undefined) {
    try {
      const vts = txs.map((b) => verifyTransaction(env, b));
      const { writes } = executeTransactions(env, state, blockContext(header), vts, 'strict');
      stateRoot = nextStateRoot(parent.stateRoot, writes);
    } catch {
      // an invalid block: keep the zero root
    }
  }
  return { header: { ...header, stateRoot }, txs, certificate: EMPTY_CERTIFICATE };
}

/** Validates, executes and applies a block to an in-memory chain. */
export function commitToMemory(env: LedgerEnv, chain: MemoryChain, block: Block): ExecutionResult {
  const result = executeBlock(env, chain.state, chain.head, block);
  chain.state.apply(result.writes);
  chain.head = block.header;
  return result;
}

/** A deterministic PRNG for tests (mulberry32); the seed is printed by the tests that use it. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
