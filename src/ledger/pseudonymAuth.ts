/**
 * The `pseudonym` authorisation scheme (code 2): a Schnorr signature (../privacy/schnorr.ts,
 * purpose `tx`) by a pseudonym key, replay-protected by a unique id in state (./uniqueId.ts).
 *
 *   wire: 32-byte pseudonym key Y (validated: canonical, prime-order subgroup, not small order)
 *         ‖ 32-byte unique id ‖ 64-byte Schnorr signature e ‖ z (canonical scalars)
 *
 * Whether Y is certified and unexpired at the block's time is the kind's `authorise` hook
 * (./handler.ts): the certificates live in contract state.
 */
import { ELEMENT_BYTES } from '../crypto/group.ts';
import { encodeSchnorr, readSchnorr, schnorrVerify } from '../privacy/schnorr.ts';
import type { AuthScheme, PseudonymAuthorisation } from './authorisation.ts';
import { checkUniqueId, consumeUniqueId, UNIQUE_ID_BYTES } from './uniqueId.ts';

/** The Schnorr purpose of transaction signatures. */
export const TX_SCHNORR_PURPOSE = 'tx';

/** The pseudonym scheme. */
export const pseudonymAuth: AuthScheme<PseudonymAuthorisation> = {
  name: 'pseudonym',
  code: 2,
  signatureBytes: 2 * ELEMENT_BYTES,
  writeSigned(w, auth) {
    w.fixed(auth.pseudonym, ELEMENT_BYTES).fixed(auth.uniqueId, UNIQUE_ID_BYTES);
  },
  writeSignature(w, auth) {
    w.fixed(encodeSchnorr(auth.signature), 2 * ELEMENT_BYTES);
  },
  read(r, group) {
    const pseudonym = group.decodePoint(r.fixed(ELEMENT_BYTES));
    const uniqueId = r.fixed(UNIQUE_ID_BYTES);
    const signature = readSchnorr(r);
    return { scheme: 'pseudonym', pseudonym, uniqueId, signature };
  },
  verify(group, signingBytes, auth) {
    return schnorrVerify(group, TX_SCHNORR_PURPOSE, auth.pseudonym, signingBytes, auth.signature);
  },
  check(state, auth) {
    checkUniqueId(state, auth.uniqueId);
  },
  consume(auth, height) {
    return consumeUniqueId(auth.uniqueId, height);
  },
};
