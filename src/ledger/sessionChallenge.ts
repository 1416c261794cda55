/**
 * What a member signs to open a session with a node's API (docs/dashboard.md §Sign-in): the
 * framed bytes of `dpp/session/v1`, the chain id, the node's one-time 32-byte challenge and the
 * member id, signed with the member's Ed25519 organisation key (the key its member record holds).
 * The domain tag keeps this signature from ever being a valid transaction signature, and the chain
 * id and the member id bind it to one chain and one member. Used by the API (src/api/sessions.ts)
 * and by the dashboard in the browser, so both sign and check the same bytes.
 * A validator's operator answers the same kind of challenge under `dpp/snapshot/v1` with the
 * validator's own key to take a snapshot of it (`dpp node backup`, src/api/routes/snapshot.ts).
 */
import { utf8 } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { frame } from '../crypto/hash.ts';

/** Bytes of a session challenge. */
export const SESSION_CHALLENGE_BYTES = 32;

/** The bytes a member signs to answer `challenge`. */
export function sessionChallengeBytes(chainId: string, challenge: Uint8Array, memberId: string): Uint8Array {
  return frame('dpp/session/v1', [utf8(chainId), challenge, utf8(memberId)]);
}

/** The bytes a validator's operator signs, with the validator's key, to take a snapshot of it. */
export function snapshotChallengeBytes(
  chainId: string,
  challenge: Uint8Array,
  validator: number,
): Uint8Array {
  return frame('dpp/snapshot/v1', [utf8(chainId), challenge, new Writer().u16(validator).finish()]);
}
