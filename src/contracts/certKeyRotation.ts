/**
 * Rotating the regulator's pseudonym-certification key (docs/protocol.md §4.3):
 * `regulator.rotate-cert-key`, sent by the trading centre, carries the new Ed25519 certification
 * key and its proof of possession — its signature over frame(`dpp/regulator-cert-rotation/v1`,
 * [chain id, old key, new key]). From the block that commits it, `pseudonym.register` accepts only
 * certificates signed by the new key. Pseudonyms registered before keep their registration: the
 * chain checked their certificates when it registered them and never checks them again, so they
 * sign, demand and count in their rings until they expire or are revoked. The old key is kept in
 * the history (`certkey/‖seq`) for whoever checks such a certificate later (a trace's verifier),
 * and can never become the certification key again.
 */
import { bytesEqual, utf8 } from '../codec/bytes.ts';
import { isValidEd25519PublicKey, verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { frame } from '../crypto/hash.ts';
import { ContractError } from './contractError.ts';
import { REGULATOR_KEY } from './keys.ts';
import { orgKind } from './kinds.ts';
import {
  certKeyChangeKey,
  certKeyChangeRecord,
  certKeyChanges,
  LAST_CERT_KEY_CHANGE_KEY,
} from './memberHistory.ts';
import { regulatorOf } from './pseudonyms.ts';
import { counterRecord, regulatorRecord } from './records.ts';
import { fixed, record } from './schema.ts';

/** The domain tag of a certification-key rotation's proof of possession. */
export const CERT_KEY_ROTATION_TAG = 'dpp/regulator-cert-rotation/v1';

/** The bytes the new certification key signs to prove possession when it replaces `oldKey`. */
export function certKeyRotationBytes(chainId: string, oldKey: Uint8Array, newKey: Uint8Array): Uint8Array {
  return frame(CERT_KEY_ROTATION_TAG, [utf8(chainId), oldKey, newKey]);
}

/** `regulator.rotate-cert-key` payload: the new certification key and its proof of possession. */
export const rotateCertKeyPayload = record('regulator.rotate-cert-key', 1, {
  newKey: fixed(32),
  proof: fixed(64),
});

/** `regulator.rotate-cert-key`: the trading centre replaces the pseudonym-certification key. */
export const regulatorRotateCertKey = orgKind({
  kind: 'regulator.rotate-cert-key',
  roles: ['trading-centre'],
  payload: rotateCertKeyPayload,
  execute({ ctx, payload: p, draft }) {
    const regulator = regulatorOf(draft, ctx.group);
    // [FAIL] a key that can verify no signature would refuse every pseudonym forever
    if (!isValidEd25519PublicKey(p.newKey))
      throw new ContractError(
        'CONTRACT_BAD_PROOF',
        'invalid certification key: not a valid Ed25519 public key',
      );
    // [FAIL] the current key, or one the regulator had before
    const history = certKeyChanges(draft, ctx.group);
    if (bytesEqual(p.newKey, regulator.certPublicKey) || history.some((c) => bytesEqual(c.oldKey, p.newKey)))
      throw new ContractError(
        'CONTRACT_EXISTS',
        'the certification key is or was the regulator’s: a key is never used twice',
      );
    // [FAIL] no proof that the trading centre holds the new key
    if (
      !verifyEd25519(
        p.newKey,
        certKeyRotationBytes(ctx.block.chainId, regulator.certPublicKey, p.newKey),
        p.proof,
      )
    )
      throw new ContractError(
        'CONTRACT_BAD_PROOF',
        'the proof of possession of the new certification key does not verify',
      );
    const seq = BigInt(history.length) + 1n;
    draft.put(LAST_CERT_KEY_CHANGE_KEY, counterRecord, { value: seq });
    draft.put(certKeyChangeKey(seq), certKeyChangeRecord, {
      seq,
      oldKey: regulator.certPublicKey,
      newKey: p.newKey,
      height: ctx.block.height,
      atMs: ctx.block.timestampMs,
    });
    draft.put(REGULATOR_KEY, regulatorRecord, { ...regulator, certPublicKey: p.newKey });
  },
});
