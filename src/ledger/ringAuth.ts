/**
 * The `ring` authorisation scheme (code 3): a unique id only. The payload carries a traceable ring
 * signcryption (../privacy/ringSigncryption.ts) that the kind's mandatory `authorise` hook verifies
 * against the ring in state. The unique id is bound into the signcryption as its context nonce
 * (`ringTxContext`), so nobody can re-send the same payload under a fresh id: the kind MUST check
 * `matchesRingTxContext` before accepting the proof.
 *
 *   wire: 32-byte unique id (no signature field)
 */
import { bytesEqual } from '../codec/bytes.ts';
import type { SigncryptionContext } from '../privacy/signcryptionEncoding.ts';
import type { AuthScheme, RingAuthorisation } from './authorisation.ts';
import { checkUniqueId, consumeUniqueId, UNIQUE_ID_BYTES } from './uniqueId.ts';

/** The ring scheme. */
export const ringAuth: AuthScheme<RingAuthorisation> = {
  name: 'ring',
  code: 3,
  signatureBytes: 0,
  writeSigned(w, auth) {
    w.fixed(auth.uniqueId, UNIQUE_ID_BYTES);
  },
  writeSignature() {},
  read(r) {
    return { scheme: 'ring', uniqueId: r.fixed(UNIQUE_ID_BYTES) };
  },
  verify() {
    return true; // the proof is in the payload, verified by the kind against the ring in state
  },
  check(state, auth) {
    checkUniqueId(state, auth.uniqueId);
  },
  consume(auth, height) {
    return consumeUniqueId(auth.uniqueId, height);
  },
};

/** The context a ring transaction's signcryption must carry: chain, `dpp/tx/<kind>`, unique id. */
export function ringTxContext(chainId: string, kind: string, uniqueId: Uint8Array): SigncryptionContext {
  return { chainId, purpose: `dpp/tx/${kind}`, nonce: uniqueId.slice() };
}

/** True when `context` is exactly the context of a ring transaction on `chainId` of `kind` with `uniqueId`. */
export function matchesRingTxContext(
  context: SigncryptionContext,
  tx: { readonly chainId: string; readonly kind: string; readonly auth: RingAuthorisation },
): boolean {
  return (
    context.chainId === tx.chainId &&
    context.purpose === `dpp/tx/${tx.kind}` &&
    bytesEqual(context.nonce, tx.auth.uniqueId)
  );
}
