/**
 * The p2p handshake (docs/p2p.md §1), run inside a TLS 1.3 connection: each side sends a HELLO
 * (protocol version, chain id, its validator index, its Ed25519 public key, a fresh 32-byte nonce),
 * then an AUTH: its Ed25519 signature (RFC 8032) over the transcript
 *
 *   frame("dpp/p2p/handshake/v2", chainId, u16 dialer, u16 listener, dialerKey, listenerKey,
 *         dialerNonce, listenerNonce, channelBinding, u8 role)
 *
 * where role is the signer's (1 dialer, 2 listener) and channelBinding the TLS exporter of this
 * connection (./channelBinding.ts, RFC 9266 style). The binding ties the proven identity to this TLS
 * channel: a relay that terminates TLS on each side sees two different bindings, so it can neither
 * forward an AUTH nor read what follows. Both nonces make a signature useless on any other
 * connection, the chain id on any other chain, and the role byte stops a signature being reflected
 * back to its sender. Encodings are canonical (codec/) and decoded strictly.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { type OrgKeyPair, orgSign, orgVerify } from '../crypto/ed25519.ts';
import { frame } from '../crypto/hash.ts';
import { P2pError } from './p2pError.ts';

/** Domain-separation tag of the signed transcript. */
export const HANDSHAKE_TAG = 'dpp/p2p/handshake/v2';
/** Version carried in HELLO; a peer with another version is refused (v1: plaintext, no binding). */
export const PROTOCOL_VERSION = 2;
/** Length of each side's fresh nonce. */
export const NONCE_BYTES = 32;
/** Longest chain id accepted in a HELLO (bytes of UTF-8). */
export const MAX_CHAIN_ID_BYTES = 64;

const HELLO = 1;
const AUTH = 2;
const ROLE_BYTE = { dialer: 1, listener: 2 } as const;

/** Which end of the connection a side is: the dialer opened it, the listener accepted it. */
export type Role = keyof typeof ROLE_BYTE;

/** The first frame each side sends. */
export interface Hello {
  readonly version: number;
  readonly chainId: string;
  readonly index: number;
  readonly publicKey: Uint8Array;
  readonly nonce: Uint8Array;
}

/** One side's contribution to the transcript. */
export interface HandshakeSide {
  readonly index: number;
  readonly publicKey: Uint8Array;
  readonly nonce: Uint8Array;
}

/** Everything both sides sign: the chain, both sides' HELLOs by role, and the TLS channel binding. */
export interface Transcript {
  readonly chainId: string;
  readonly dialer: HandshakeSide;
  readonly listener: HandshakeSide;
  /** The TLS exporter of the connection (32 bytes, ./channelBinding.ts). */
  readonly channelBinding: Uint8Array;
}

/** HELLO: u8 1 ‖ u8 version ‖ string chainId ‖ u16 index ‖ key[32] ‖ nonce[32]. */
export function encodeHello(h: Hello): Uint8Array {
  return new Writer()
    .u8(HELLO)
    .u8(h.version)
    .string(h.chainId)
    .u16(h.index)
    .fixed(h.publicKey, 32)
    .fixed(h.nonce, NONCE_BYTES)
    .finish();
}

/** Decodes a HELLO; throws P2P_BAD_HANDSHAKE on anything else. */
export function decodeHello(bytes: Uint8Array): Hello {
  return strict('HELLO', bytes, (r) => {
    expectType(r, HELLO, 'HELLO');
    const version = r.u8();
    const chainId = r.string(MAX_CHAIN_ID_BYTES);
    const index = r.u16();
    const publicKey = r.fixed(32);
    const nonce = r.fixed(NONCE_BYTES);
    return { version, chainId, index, publicKey, nonce };
  });
}

/** AUTH: u8 2 ‖ signature[64]. */
export function encodeAuth(signature: Uint8Array): Uint8Array {
  return new Writer().u8(AUTH).fixed(signature, 64).finish();
}

/** Decodes an AUTH to its signature; throws P2P_BAD_HANDSHAKE on anything else. */
export function decodeAuth(bytes: Uint8Array): Uint8Array {
  return strict('AUTH', bytes, (r) => {
    expectType(r, AUTH, 'AUTH');
    return r.fixed(64);
  });
}

/** The bytes the side playing `role` signs. */
export function transcriptBytes(t: Transcript, role: Role): Uint8Array {
  return frame(HANDSHAKE_TAG, [
    new TextEncoder().encode(t.chainId),
    u16(t.dialer.index),
    u16(t.listener.index),
    t.dialer.publicKey,
    t.listener.publicKey,
    t.dialer.nonce,
    t.listener.nonce,
    t.channelBinding,
    Uint8Array.of(ROLE_BYTE[role]),
  ]);
}

/** This side's AUTH signature, signing as `role`. */
export function signTranscript(key: OrgKeyPair, t: Transcript, role: Role): Uint8Array {
  return orgSign(key, transcriptBytes(t, role));
}

/** True when `signature` is `publicKey`'s signature of the transcript as `role`. */
export function verifyTranscript(
  publicKey: Uint8Array,
  t: Transcript,
  role: Role,
  signature: Uint8Array,
): boolean {
  return orgVerify(publicKey, transcriptBytes(t, role), signature);
}

/** The other end's role. */
export function otherRole(role: Role): Role {
  return role === 'dialer' ? 'listener' : 'dialer';
}

function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}

function expectType(r: Reader, type: number, what: string): void {
  const got = r.u8();
  if (got !== type) throw new DecodeError('DECODE_BAD_TAG', `expected ${what}, got frame type ${got}`);
}

function strict<T>(what: string, bytes: Uint8Array, read: (r: Reader) => T): T {
  try {
    const r = new Reader(bytes, what);
    const out = read(r);
    r.end();
    return out;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new P2pError(
      'P2P_BAD_HANDSHAKE',
      `malformed ${what}: ${reason}`,
      { length: bytes.length },
      { cause },
    );
  }
}
