/**
 * The shape in which the crypto benchmark and the baseline tests drive a ring signcryption scheme,
 * ours or a competitor: prepare a ring once (what a deployment would cache is cached there), then
 * signcrypt to bytes and verify+unsigncrypt from bytes, as a validator and a receiver would.
 */

/** A scheme on one curve, named as in `npm run bench:crypto -- --json`. */
export interface BenchableScheme {
  /** 'ours', 'untraceable', or a baseline's short name such as 'hwz05' or 'cyh05+bf01'. */
  readonly scheme: string;
  /** 'bls12-381', 'bn254', or the group's name for pairing-free schemes ('edwards25519'). */
  readonly curve: string;
  /** Keys for a ring of `n` members with the signer at index `signer`, and one receiver. */
  prepare(n: number, signer: number): Promise<PreparedRing>;
}

/** A ring with its keys, ready to signcrypt and unsigncrypt. */
export interface PreparedRing {
  /** The signer's signcryption of `message` to the receiver, as transmitted bytes. */
  signcrypt(message: Uint8Array): Uint8Array;
  /** Decodes, verifies and decrypts as the receiver: the message, or null when anything fails. */
  unsigncrypt(signcryption: Uint8Array): Uint8Array | null;
}
