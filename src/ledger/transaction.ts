/**
 * Transactions and their one canonical encoding (docs/ledger.md §2):
 *
 *   u8 version = 1 ‖ string chainId (1..64 B, [a-z0-9.-]) ‖ string kind (1..32 B, [a-z0-9.-])
 *   ‖ bytes payload (≤ 64 KiB) ‖ u8 authScheme ‖ auth fields (./authorisation.ts)
 *
 * strings and bytes carry a u32 length; a whole transaction is at most 70 KiB. The id is
 * SHA-256(encoding); the signing bytes are frame("dpp/tx/v1", [encoding without the trailing
 * signature]) (../crypto/hash.ts `frame`). The decoder is strict: unknown version or scheme,
 * out-of-range lengths or characters, invalid points or scalars and trailing bytes are DecodeErrors.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import type { Group } from '../crypto/group.ts';
import { frame, sha256 } from '../crypto/hash.ts';
import type { Authorisation } from './authorisation.ts';
import { schemeByCode, schemeOf } from './authSchemes.ts';
import { LedgerError } from './ledgerError.ts';
import { plainBytes } from './plainBytes.ts';

/** The encoding version written and accepted. */
export const TX_VERSION = 1;
/** The domain tag of transaction signatures. */
export const TX_TAG = 'dpp/tx/v1';
/** Longest chain id, in bytes. */
export const MAX_CHAIN_ID_BYTES = 64;
/** Longest kind, in bytes. */
export const MAX_KIND_BYTES = 32;
/** Largest payload. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Largest encoded transaction. */
export const MAX_TX_BYTES = 70 * 1024;

/** A transaction, decoded. */
export interface Transaction {
  readonly chainId: string;
  readonly kind: string;
  readonly payload: Uint8Array;
  readonly auth: Authorisation;
}

const NAME = /^[a-z0-9.-]+$/;

/** True for a valid chain id: 1..64 characters of [a-z0-9.-]. */
export function isValidChainId(s: string): boolean {
  return s.length >= 1 && s.length <= MAX_CHAIN_ID_BYTES && NAME.test(s);
}

/** True for a valid kind: 1..32 characters of [a-z0-9.-]. */
export function isValidKind(s: string): boolean {
  return s.length >= 1 && s.length <= MAX_KIND_BYTES && NAME.test(s);
}

/** The canonical bytes of `tx`; throws LedgerError for a field out of range or a too large result. */
export function encodeTransaction(tx: Transaction): Uint8Array {
  const w = writeUnsigned(tx);
  try {
    schemeOf(tx.auth).writeSignature(w, tx.auth);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'signature field out of range', {}, { cause });
  }
  const out = w.finish();
  if (out.length > MAX_TX_BYTES) {
    throw new LedgerError(
      'LEDGER_TOO_LARGE',
      `transaction of ${out.length} bytes exceeds the limit of ${MAX_TX_BYTES} bytes (MAX_TX_BYTES)`,
      { size: out.length, limit: MAX_TX_BYTES, limitName: 'MAX_TX_BYTES' },
    );
  }
  return out;
}

/** The bytes a transaction's signature covers (the signature field itself left out), tagged. */
export function txSigningBytes(tx: Transaction): Uint8Array {
  return frame(TX_TAG, [writeUnsigned(tx).finish()]);
}

/** The signing bytes of an already-encoded transaction whose scheme has a `signatureBytes` signature. */
export function signingBytesOfEncoded(encoded: Uint8Array, signatureBytes: number): Uint8Array {
  return frame(TX_TAG, [encoded.subarray(0, encoded.length - signatureBytes)]);
}

/** The transaction id: SHA-256 of the canonical encoding. */
export function transactionId(encoded: Uint8Array): Uint8Array {
  return sha256(encoded);
}

/** Decodes and validates a transaction; throws DecodeError on any malformed field. */
export function decodeTransaction(group: Group, bytes: Uint8Array): Transaction {
  if (bytes.length > MAX_TX_BYTES) {
    throw new DecodeError(
      'DECODE_BAD_LENGTH',
      `transaction of ${bytes.length} bytes exceeds ${MAX_TX_BYTES}`,
      {
        length: bytes.length,
      },
    );
  }
  const r = new Reader(plainBytes(bytes), 'transaction');
  const version = r.u8();
  if (version !== TX_VERSION) {
    throw new DecodeError('DECODE_BAD_VERSION', `transaction version ${version}, expected ${TX_VERSION}`);
  }
  const chainId = r.string(MAX_CHAIN_ID_BYTES);
  if (!isValidChainId(chainId)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'transaction: invalid chain id');
  const kind = r.string(MAX_KIND_BYTES);
  if (!isValidKind(kind)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'transaction: invalid kind');
  const payload = r.bytes(MAX_PAYLOAD_BYTES);
  const code = r.u8();
  const scheme = schemeByCode(code);
  if (scheme === undefined) {
    throw new DecodeError('DECODE_BAD_TAG', `transaction: unknown authorisation scheme ${code}`, { code });
  }
  const auth = scheme.read(r, group);
  r.end();
  return { chainId, kind, payload, auth };
}

function writeUnsigned(tx: Transaction): Writer {
  if (!isValidChainId(tx.chainId)) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'chain id must be 1..64 characters of [a-z0-9.-]');
  }
  if (!isValidKind(tx.kind))
    throw new LedgerError('LEDGER_BAD_FIELD', 'kind must be 1..32 characters of [a-z0-9.-]');
  if (tx.payload.length > MAX_PAYLOAD_BYTES) {
    throw new LedgerError(
      'LEDGER_TOO_LARGE',
      `payload of ${tx.payload.length} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes (MAX_PAYLOAD_BYTES)`,
      { size: tx.payload.length, limit: MAX_PAYLOAD_BYTES, limitName: 'MAX_PAYLOAD_BYTES' },
    );
  }
  const scheme = schemeOf(tx.auth);
  const w = new Writer().u8(TX_VERSION).string(tx.chainId).string(tx.kind).bytes(tx.payload).u8(scheme.code);
  try {
    scheme.writeSigned(w, tx.auth);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'authorisation field out of range', {}, { cause });
  }
  return w;
}
