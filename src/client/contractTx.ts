/**
 * Building and signing contract transactions on the client side (docs/protocol.md §3). Each kind's
 * payload schema lives with its contract; these functions encode a payload with it and sign the
 * transaction with the right key: an organisation key (with the sender's next nonce), a one-time
 * pseudonym key, or — for a bill response — a ring signcryption (./billResponse.ts).
 */

import type { Codec } from '../contracts/schema.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import type { Group } from '../crypto/group.ts';
import { type SignedTransaction, signOrgTransaction, signPseudonymTransaction } from '../ledger/txSigning.ts';
import type { KeyPair } from '../privacy/keyPair.ts';

/** The chain a client talks to. */
export interface ChainParams {
  readonly chainId: string;
  readonly group: Group;
}

/** An org-signed contract transaction of `kind` with payload `value` (encoded by `codec`). */
export function orgContractTx<T>(
  chain: ChainParams,
  kind: string,
  codec: Codec<T>,
  value: T,
  key: OrgKeyPair,
  nonce: bigint,
): SignedTransaction {
  return signOrgTransaction({ chainId: chain.chainId, kind, payload: codec.encode(value) }, nonce, key);
}

/** A pseudonym-signed contract transaction of `kind`. */
export function pseudonymContractTx<T>(
  chain: ChainParams,
  kind: string,
  codec: Codec<T>,
  value: T,
  pseudonym: KeyPair,
): SignedTransaction {
  return signPseudonymTransaction(
    chain.group,
    { chainId: chain.chainId, kind, payload: codec.encode(value) },
    pseudonym,
  );
}
