/**
 * Rings: the canonical list of pseudonym keys a ring signcryption hides its signer among. A ring is
 * sorted by encoding with no duplicates (so every verifier hashes the same list), has 1..MAX_RING
 * members, and is built only from certificates that are validly signed and unexpired at the given
 * time (the block's time on chain).
 */
import { compareBytes, toHex } from '../codec/bytes.ts';
import type { Point } from '../crypto/group.ts';
import { PrivacyError } from './privacyError.ts';
import { certificateStatus, type PseudonymCertificate } from './pseudonymCertificate.ts';
import type { RegulatorPublic } from './regulator.ts';

/** The largest ring a signcryption may name. */
export const MAX_RING = 1024;

/** A canonical ring of validated pseudonym keys. */
export interface Ring {
  readonly members: readonly Point[];
}

/** True when `members` is sorted strictly ascending by encoding and 1..MAX_RING long. */
export function isCanonicalRing(members: readonly Uint8Array[]): boolean {
  if (members.length === 0 || members.length > MAX_RING) return false;
  for (let i = 1; i < members.length; i++) if (compareBytes(members[i - 1]!, members[i]!) >= 0) return false;
  return true;
}

/** A canonical ring from keys the caller already validated (sorts; refuses duplicates and bad sizes). */
export function ringOf(keys: readonly Point[]): Ring {
  const members = [...keys].sort(compareBytes);
  if (!isCanonicalRing(members)) {
    throw new PrivacyError('PRIVACY_RING_INVALID', `a ring needs 1..${MAX_RING} distinct keys`, {
      size: keys.length,
    });
  }
  return { members };
}

/** A canonical ring of certified pseudonyms, refusing any that is uncertified or expired at `nowMs`. */
export function ringFromCertificates(
  regulator: RegulatorPublic,
  certificates: readonly PseudonymCertificate[],
  nowMs: bigint,
): Ring {
  for (const cert of certificates) {
    const status = certificateStatus(regulator, cert, nowMs);
    if (status === 'expired') {
      throw new PrivacyError('PRIVACY_PSEUDONYM_EXPIRED', 'a ring member’s pseudonym has expired', {
        key: toHex(cert.publicKey),
        expiresAtMs: String(cert.expiresAtMs),
      });
    }
    if (status !== 'valid') {
      throw new PrivacyError('PRIVACY_CERTIFICATE_INVALID', 'a ring member’s pseudonym is not certified', {
        key: toHex(cert.publicKey),
      });
    }
  }
  return ringOf(certificates.map((c) => c.publicKey));
}
