// Minimal typings for the parts of sodium-native 5.1 that dppchain uses (its @types lack the
// noclamp functions). Every output buffer is written in place; a failing call throws.
declare module 'sodium-native' {
  export function crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
  export function crypto_core_ed25519_add(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  export function crypto_core_ed25519_sub(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  export function crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  export function crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
  export function crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void;
  export function crypto_core_ed25519_scalar_add(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  export function crypto_core_ed25519_scalar_sub(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  export function crypto_core_ed25519_scalar_negate(neg: Uint8Array, s: Uint8Array): void;
  // Ed25519 signatures (RFC 8032): the fast verifier of the ledger's hot path.
  export function crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  export function crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  export function crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
}
