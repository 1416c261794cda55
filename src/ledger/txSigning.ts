/**
 * Client-side construction of signed transactions, one function per authorisation scheme. Signing
 * uses node:crypto (org keys) and ../privacy/schnorr.ts (pseudonym keys); verification on chain is
 * ./verification.ts.
 */
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { orgSign } from '../crypto/ed25519.ts';
import type { Group, Scalar } from '../crypto/group.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import { schnorrSign } from '../privacy/schnorr.ts';
import type { OrgAuthorisation, PseudonymAuthorisation } from './authorisation.ts';
import { TX_SCHNORR_PURPOSE } from './pseudonymAuth.ts';
import { encodeTransaction, type Transaction, txSigningBytes } from './transaction.ts';
import { UNIQUE_ID_BYTES } from './uniqueId.ts';

/** What every transaction names, before authorisation. */
export interface TxBody {
  readonly chainId: string;
  readonly kind: string;
  readonly payload: Uint8Array;
}

/** A transaction with its canonical bytes. */
export interface SignedTransaction {
  readonly tx: Transaction;
  readonly bytes: Uint8Array;
}

/** Stand-ins for signature fields while computing the signing bytes (which leave them out). */
const PLACEHOLDER_SIGNATURE = new Uint8Array(64);
const PLACEHOLDER_SCALAR = new Uint8Array(32) as Scalar;

/** An org-signed transaction with nonce `nonce` (the sender's stored nonce + 1). */
export function signOrgTransaction(body: TxBody, nonce: bigint, key: OrgKeyPair): SignedTransaction {
  const auth: OrgAuthorisation = {
    scheme: 'org',
    sender: key.publicKey,
    nonce,
    signature: PLACEHOLDER_SIGNATURE,
  };
  const signature = orgSign(key, txSigningBytes({ ...body, auth }));
  const tx: Transaction = { ...body, auth: { ...auth, signature } };
  return { tx, bytes: encodeTransaction(tx) };
}

/** A pseudonym-signed transaction; the unique id is fresh random unless given. */
export function signPseudonymTransaction(
  group: Group,
  body: TxBody,
  key: KeyPair,
  uniqueId: Uint8Array = systemRandom(UNIQUE_ID_BYTES),
  random: RandomSource = systemRandom,
): SignedTransaction {
  const placeholder = { e: PLACEHOLDER_SCALAR, z: PLACEHOLDER_SCALAR };
  const auth: PseudonymAuthorisation = {
    scheme: 'pseudonym',
    pseudonym: key.publicKey,
    uniqueId,
    signature: placeholder,
  };
  const message = txSigningBytes({ ...body, auth });
  const signature = schnorrSign(group, TX_SCHNORR_PURPOSE, key.secret, key.publicKey, message, random);
  const tx: Transaction = { ...body, auth: { ...auth, signature } };
  return { tx, bytes: encodeTransaction(tx) };
}

/**
 * A ring-authorised transaction. The payload must carry a signcryption made with
 * `ringTxContext(body.chainId, body.kind, uniqueId)` (./ringAuth.ts).
 */
export function ringTransaction(body: TxBody, uniqueId: Uint8Array): SignedTransaction {
  const tx: Transaction = { ...body, auth: { scheme: 'ring', uniqueId } };
  return { tx, bytes: encodeTransaction(tx) };
}
