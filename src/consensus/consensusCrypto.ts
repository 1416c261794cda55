/**
 * What a replica needs from cryptography, injected so that the replica stays pure and the
 * simulator can run thousands of seeds with a fast deterministic stand-in (./sim/standInCrypto.ts);
 * the node passes Ed25519 keys from genesis (../node).
 */

/** Signing with this replica's key, verifying any validator's, and the payload digest. */
export interface ConsensusCrypto {
  /** 64-byte signature of `bytes` by this replica. */
  sign(bytes: Uint8Array): Uint8Array;
  /** True when `signature` is validator `validator`'s signature of `bytes`. */
  verify(validator: number, bytes: Uint8Array, signature: Uint8Array): boolean;
  /** The 32-byte digest that names a payload (the block hash in the node). */
  digest(payload: Uint8Array): Uint8Array;
}
