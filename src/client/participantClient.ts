/**
 * What a protocol action runs through (./actions/): one participant acting through its own node —
 * reading contract state there, sending transactions signed with its organisation key (the next
 * nonce, tracked) or by other means (a pseudonym, a ring signcryption), waiting for their commit
 * and, meanwhile, for the chain's time. The actions take this interface, in the style of viem's
 * actions (`openRound(client, params)`); ./sender.ts implements it over the node API for the `dpp`
 * command and the local-consortium driver alike.
 */
import type { Codec } from '../contracts/schema.ts';
import type { SignedTransaction } from '../ledger/txSigning.ts';
import type { ChainParams } from './contractTx.ts';
import type { MarketReader } from './marketReader.ts';
import type { NodeStatusInfo } from './nodeClient.ts';

/** A committed transaction as the participant saw it: the inclusion proof (and, where checked, the certificate) verified. */
export interface TxReceipt {
  readonly kind: string;
  readonly txId: string;
  readonly height: bigint;
  readonly blockHash: string;
  /** True when the commit certificate was checked against its block's validator set (the genesis keys, or a set proven from them). */
  readonly certified: boolean;
}

/** One participant, acting through its own node. */
export interface ParticipantClient {
  /** The member id. */
  readonly id: string;
  readonly chain: ChainParams;
  /** A read of contract state through the participant's node (retried as its sends are). */
  read<R>(f: (reader: MarketReader) => Promise<R>): Promise<R>;
  /** The participant's node's status. */
  status(): Promise<NodeStatusInfo>;
  /** Signs a `kind` transaction with the participant's organisation key and next nonce, sends it, waits for its commit. */
  sendOrg<T>(kind: string, codec: Codec<T>, value: T): Promise<TxReceipt>;
  /** Sends a transaction signed otherwise (by a pseudonym, a ring signcryption) through the participant's node and waits. */
  send(tx: SignedTransaction): Promise<TxReceipt>;
  /** Resolves once the chain's agreed time (the latest block's) reaches `until` (ms). */
  waitForChainTime(params: { readonly until: bigint; readonly what: string }): Promise<void>;
}
