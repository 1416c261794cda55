/**
 * The `org` authorisation scheme (code 1): an Ed25519 signature (RFC 8032) by a certified
 * organisation key, replay-protected by a per-sender nonce in state.
 *
 *   wire: 32-byte sender key ‖ u64 nonce ‖ 64-byte signature over the signing bytes
 *   state: `nonce/‖sender` holds the last nonce used (absent = 0, so a member's first tx carries 1);
 *          `orgkey/‖sender` must exist (the key belongs to a member of the consortium)
 */
import { toHex } from '../codec/bytes.ts';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, verifyEd25519 } from '../crypto/ed25519Strict.ts';
import type { AuthScheme, OrgAuthorisation } from './authorisation.ts';
import { LedgerError } from './ledgerError.ts';
import { nonceKey, orgKeyKey } from './stateKeys.ts';
import { readU64Value, u64Value } from './stateValues.ts';
import type { StateReader } from './worldState.ts';

/** The last nonce `sender` used (0 before its first transaction). */
export function storedNonce(state: StateReader, sender: Uint8Array): bigint {
  const key = nonceKey(sender);
  const v = state.get(key);
  return v === undefined ? 0n : readU64Value(v, key);
}

/** The nonce `sender`'s next transaction must carry. */
export function nextNonce(state: StateReader, sender: Uint8Array): bigint {
  return storedNonce(state, sender) + 1n;
}

/** The org scheme. */
export const orgAuth: AuthScheme<OrgAuthorisation> = {
  name: 'org',
  code: 1,
  signatureBytes: ED25519_SIGNATURE_BYTES,
  writeSigned(w, auth) {
    w.fixed(auth.sender, ED25519_PUBLIC_KEY_BYTES).u64(auth.nonce);
  },
  writeSignature(w, auth) {
    w.fixed(auth.signature, ED25519_SIGNATURE_BYTES);
  },
  read(r) {
    const sender = r.fixed(ED25519_PUBLIC_KEY_BYTES);
    const nonce = r.u64();
    const signature = r.fixed(ED25519_SIGNATURE_BYTES);
    return { scheme: 'org', sender, nonce, signature };
  },
  verify(_group, signingBytes, auth) {
    return verifyEd25519(auth.sender, signingBytes, auth.signature);
  },
  check(state, auth) {
    // [INVALID] the sender is not a certified organisation key of a member
    if (state.get(orgKeyKey(auth.sender)) === undefined) {
      throw new LedgerError('LEDGER_UNAUTHORISED', 'the sender is not a member’s organisation key', {
        sender: toHex(auth.sender),
      });
    }
    // [INVALID] nonce ≠ stored + 1 (a replay, a gap or a reordering)
    const expected = nextNonce(state, auth.sender);
    if (auth.nonce !== expected) {
      throw new LedgerError('LEDGER_NONCE', `nonce ${auth.nonce}, expected ${expected}`, {
        sender: toHex(auth.sender),
        nonce: auth.nonce.toString(),
        expected: expected.toString(),
      });
    }
  },
  consume(auth) {
    return [{ key: nonceKey(auth.sender), value: u64Value(auth.nonce) }];
  },
};
