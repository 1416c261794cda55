/**
 * The state keys the ledger itself defines (docs/ledger.md §4.1). A key is an ASCII prefix ending
 * in `/` followed by raw bytes; contracts choose their own prefixes and must not write the ledger's
 * replay namespaces (`nonce/`, `used/`), which the executor enforces.
 */
import { utf8 } from '../codec/bytes.ts';

const NONCE = utf8('nonce/');
const USED = utf8('used/');
const MEMBER = utf8('member/');
const ORG_KEY = utf8('orgkey/');
const VALIDATOR = utf8('validator/');

/** Prefixes only the ledger's replay protection may write. */
export const RESERVED_PREFIXES: readonly Uint8Array[] = [NONCE, USED];

/** `nonce/‖sender` → u64 last nonce used by an organisation key (absent = 0). */
export function nonceKey(sender: Uint8Array): Uint8Array {
  return prefixed(NONCE, sender);
}

/** `used/‖uniqueId` → u64 height at which a pseudonym or ring transaction consumed the id. */
export function usedKey(uniqueId: Uint8Array): Uint8Array {
  return prefixed(USED, uniqueId);
}

/** `member/‖id` (UTF-8) → the member record (./memberRecord.ts). */
export function memberKey(id: string): Uint8Array {
  return prefixed(MEMBER, utf8(id));
}

/** `orgkey/‖key` → the member id (UTF-8) that owns an Ed25519 organisation key. */
export function orgKeyKey(orgKey: Uint8Array): Uint8Array {
  return prefixed(ORG_KEY, orgKey);
}

/** `validator/‖u16 index` → the validator record (./memberRecord.ts). */
export function validatorKey(index: number): Uint8Array {
  return prefixed(VALIDATOR, Uint8Array.of(index >>> 8, index & 0xff));
}

/** True when `key` starts with one of the reserved prefixes. */
export function isReservedKey(key: Uint8Array): boolean {
  return RESERVED_PREFIXES.some((p) => key.length >= p.length && p.every((b, i) => key[i] === b));
}

/** prefix ‖ rest (on the execution hot path: no intermediate arrays). */
export function prefixed(prefix: Uint8Array, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + rest.length);
  out.set(prefix, 0);
  out.set(rest, prefix.length);
  return out;
}
