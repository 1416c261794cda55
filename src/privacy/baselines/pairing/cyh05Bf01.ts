/**
 * The sign-then-encrypt composition `cyh05+bf01`: the Chow–Yiu–Hui ID-based ring signature
 * (ACNS 2005, ./cyh05RingSignature.ts) over (message, ring, receiver identity), then the
 * Boneh–Franklin FullIdent encryption (CRYPTO 2001, ./bonehFranklin.ts) of message ‖ signature to
 * the receiver's identity — the generic way to get an identity-based ring signcryption from the two
 * best-known pairing primitives. Signing the receiver's identity stops a receiver from re-encrypting
 * a signed message to someone else as if it had been sent to them.
 *
 * Each primitive keeps its own PKG (master key) and its own cheapest Type-3 placement: ring
 * identities hash to G1 with P_pub in G2 for the signature, the receiver's identity hashes to G2
 * with P_pub in G1 for the encryption. Reusing one master key across two schemes would need a
 * joint security proof that neither paper gives.
 *
 * Transmitted bytes: BF01 ciphertext U ‖ V ‖ W whose plaintext is
 * u32 length ‖ message ‖ U_1 ‖ … ‖ U_n ‖ V (the ring signature, ./cyh05RingSignature.ts).
 */
import type { G1 } from 'mcl-wasm';
import { utf8 } from '../../../codec/bytes.ts';
import { Reader } from '../../../codec/reader.ts';
import { Writer } from '../../../codec/writer.ts';
import { frame } from '../../../crypto/hash.ts';
import type { BenchableScheme, PreparedRing } from '../scheme.ts';
import {
  type Bf01Master,
  type Bf01PrivateKey,
  type Bf01Recipient,
  bf01Decrypt,
  bf01Encrypt,
  bf01Extract,
  bf01Recipient,
  bf01Setup,
} from './bonehFranklin.ts';
import {
  type Cyh05Master,
  type Cyh05Ring,
  type Cyh05Signature,
  cyh05Extract,
  cyh05Ring,
  cyh05Setup,
  cyh05Sign,
  cyh05Verify,
  decodeCyh05Signature,
  encodeCyh05Signature,
} from './cyh05RingSignature.ts';
import { type PairingContext, type PairingCurve, useCurve } from './mclCurve.ts';
import { ringIdentities, signerPoint } from './ringIdentities.ts';

/** The largest message unsigncrypt accepts (a cap for the decoder, not a limit of the scheme). */
export const CYH05_BF01_MAX_MESSAGE_BYTES = 1 << 20;

const TAG_SIGNED = 'dpp/baselines/cyh05+bf01/v1/signed';

/** Everything prepare() caches: both PKGs' public parameters, the ring, the signer's and the receiver's keys. */
export interface Cyh05Bf01Parties {
  readonly ctx: PairingContext;
  readonly signature: Cyh05Master;
  readonly encryption: Bf01Master;
  readonly ring: Cyh05Ring;
  readonly signer: number;
  readonly signerKey: G1;
  readonly receiverId: Uint8Array;
  readonly recipient: Bf01Recipient;
  readonly receiverKey: Bf01PrivateKey;
}

/** Keys for `ringIds` (signer at index `signer`) and `receiverId`, under the given or fresh PKGs. */
export function cyh05Bf01Parties(
  ctx: PairingContext,
  ringIds: readonly Uint8Array[],
  signer: number,
  receiverId: Uint8Array,
  pkgs: { readonly signature: Cyh05Master; readonly encryption: Bf01Master } = {
    signature: cyh05Setup(ctx),
    encryption: bf01Setup(ctx),
  },
): Cyh05Bf01Parties {
  const ring = cyh05Ring(ringIds);
  return {
    ctx,
    ...pkgs,
    ring,
    signer,
    signerKey: cyh05Extract(pkgs.signature, signerPoint(ring, signer)),
    receiverId,
    recipient: bf01Recipient(pkgs.encryption.pub, receiverId),
    receiverKey: bf01Extract(pkgs.encryption, receiverId),
  };
}

/** The plaintext BF01 carries: u32 length ‖ message ‖ encoded ring signature. */
export function encodeCyh05Bf01Payload(message: Uint8Array, sig: Cyh05Signature): Uint8Array {
  const sigBytes = encodeCyh05Signature(sig);
  return new Writer().bytes(message).fixed(sigBytes, sigBytes.length).finish();
}

/** The signer's ring signature on (message, ring, receiver), encrypted to the receiver. */
export function cyh05Bf01Signcrypt(parties: Cyh05Bf01Parties, message: Uint8Array): Uint8Array {
  const { signature, ring, signer, signerKey, encryption, recipient } = parties;
  const sig = cyh05Sign(signature.pub, ring, signer, signerKey, signedMessage(message, parties.receiverId));
  return bf01Encrypt(encryption.pub, recipient, encodeCyh05Bf01Payload(message, sig));
}

/** Decrypts as the receiver and verifies the ring signature: the message, or null on any failure. */
export function cyh05Bf01Unsigncrypt(parties: Cyh05Bf01Parties, signcryption: Uint8Array): Uint8Array | null {
  const payload = bf01Decrypt(parties.encryption.pub, parties.receiverKey, signcryption);
  if (payload === null) return null;
  let message: Uint8Array;
  let sig: Cyh05Signature;
  try {
    const r = new Reader(payload, 'cyh05+bf01 payload');
    message = r.bytes(CYH05_BF01_MAX_MESSAGE_BYTES);
    sig = decodeCyh05Signature(parties.ctx, r.fixed(r.remaining), parties.ring.points.length);
  } catch {
    return null;
  }
  const ok = cyh05Verify(
    parties.signature.pub,
    parties.ring,
    signedMessage(message, parties.receiverId),
    sig,
  );
  return ok ? message : null;
}

/** `cyh05+bf01` on `curve`, as the benchmark drives it. */
export function cyh05Bf01Scheme(curve: PairingCurve): BenchableScheme {
  return {
    scheme: 'cyh05+bf01',
    curve,
    async prepare(n: number, signer: number): Promise<PreparedRing> {
      const ctx = await useCurve(curve);
      const parties = cyh05Bf01Parties(ctx, ringIdentities(n, signer), signer, utf8('receiver'));
      return {
        signcrypt: (message) => cyh05Bf01Signcrypt(parties, message),
        unsigncrypt: (signcryption) => cyh05Bf01Unsigncrypt(parties, signcryption),
      };
    },
  };
}

function signedMessage(message: Uint8Array, receiverId: Uint8Array): Uint8Array {
  return frame(TAG_SIGNED, [message, receiverId]);
}
