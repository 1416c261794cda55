/**
 * Transaction authorisation as a small interface (docs/ledger.md §2.2). A scheme owns the bytes
 * after the transaction's `u8 authScheme`, a stateless signature check (cacheable: the node runs it
 * once, at mempool admission) and a stateful replay/permission check with the writes that consume
 * the replay token. Three schemes exist — `org` (./orgAuth.ts), `pseudonym` (./pseudonymAuth.ts),
 * `ring` (./ringAuth.ts) — and ./authSchemes.ts lists them; a new scheme is one file and one entry.
 *
 * Wire rule shared by all schemes: the signature, if any, is the scheme's last field, so the
 * signing bytes are the transaction's encoding minus its last `signatureBytes` bytes, framed with
 * the tag `dpp/tx/v1` (./transaction.ts).
 */
import type { Reader } from '../codec/reader.ts';
import type { Writer } from '../codec/writer.ts';
import type { Group, Point } from '../crypto/group.ts';
import type { SchnorrSignature } from '../privacy/schnorr.ts';
import type { StateReader, StateWrite } from './worldState.ts';

/** Names of the authorisation schemes. */
export type AuthSchemeName = 'org' | 'pseudonym' | 'ring';

/** An Ed25519 signature by a certified organisation key, with a per-sender nonce. */
export interface OrgAuthorisation {
  readonly scheme: 'org';
  /** The organisation's Ed25519 public key (32 bytes). */
  readonly sender: Uint8Array;
  /** Exactly the stored nonce + 1. */
  readonly nonce: bigint;
  /** Ed25519 over the signing bytes (64 bytes). */
  readonly signature: Uint8Array;
}

/** A Schnorr signature by a pseudonym key, replay-protected by a unique id. */
export interface PseudonymAuthorisation {
  readonly scheme: 'pseudonym';
  /** The pseudonym key Y (a validated edwards25519 point). */
  readonly pseudonym: Point;
  /** 32 bytes, never used before on this chain. */
  readonly uniqueId: Uint8Array;
  /** Schnorr (purpose `tx`) over the signing bytes. */
  readonly signature: SchnorrSignature;
}

/** A unique id only: the payload carries a ring signcryption bound to it, which the kind verifies. */
export interface RingAuthorisation {
  readonly scheme: 'ring';
  /** 32 bytes, never used before on this chain; the signcryption's context nonce. */
  readonly uniqueId: Uint8Array;
}

/** Any authorisation. */
export type Authorisation = OrgAuthorisation | PseudonymAuthorisation | RingAuthorisation;

/** What every scheme provides. */
export interface AuthScheme<A extends Authorisation = Authorisation> {
  readonly name: A['scheme'];
  /** The `u8 authScheme` on the wire. */
  readonly code: number;
  /** Length of the trailing signature field (0 when the scheme has none). */
  readonly signatureBytes: number;
  /** Writes the fields the signature covers. */
  writeSigned(w: Writer, auth: A): void;
  /** Writes the signature field (nothing when `signatureBytes` is 0). */
  writeSignature(w: Writer, auth: A): void;
  /** Reads every field, validating points and scalars; throws DecodeError. */
  read(r: Reader, group: Group): A;
  /** Stateless: true when the signature is valid over `signingBytes` (always true without one). */
  verify(group: Group, signingBytes: Uint8Array, auth: A): boolean;
  /** Stateful, against the state before the transaction: throws LedgerError (replay, nonce, unauthorised). */
  check(state: StateReader, auth: A): void;
  /** The writes that consume the replay token, at block `height`. */
  consume(auth: A, height: bigint): StateWrite[];
}
