/**
 * Who may connect to whom (docs/p2p.md §1, §7): the peer's HELLO must name this chain and protocol
 * version, an index of the current peer set (genesis, or the last `setPeers`) other than ours, and
 * exactly the public key the set gives that index. One connection per pair: the lower index dials the higher, so a listener only
 * accepts lower indices and a dialer only the index it dialed.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { type Hello, PROTOCOL_VERSION, type Role } from './handshake.ts';
import { P2pError } from './p2pError.ts';

/** What a side knows when it judges the peer's HELLO. */
export interface HelloPolicy {
  readonly chainId: string;
  readonly self: number;
  /** Public key of every peer of the current set, by index. */
  readonly peerKeys: ReadonlyMap<number, Uint8Array>;
  readonly role: Role;
  /** For a dialer: the index it dialed. */
  readonly expected?: number;
}

/** The lower index of a pair dials the higher one. */
export function dials(self: number, peer: number): boolean {
  return self < peer;
}

/** Throws the P2pError refusing `hello`, or returns the peer's key from the set. */
export function checkHello(hello: Hello, p: HelloPolicy): Uint8Array {
  // [REJECT] another protocol version
  if (hello.version !== PROTOCOL_VERSION) {
    throw new P2pError(
      'P2P_BAD_VERSION',
      `peer speaks protocol v${hello.version}, not v${PROTOCOL_VERSION}`,
      {
        version: hello.version,
      },
    );
  }
  // [REJECT] another chain
  if (hello.chainId !== p.chainId) {
    throw new P2pError('P2P_WRONG_CHAIN', `peer is on chain '${hello.chainId}', not '${p.chainId}'`, {
      peerChainId: hello.chainId,
    });
  }
  // [REJECT] an index outside the peer set, or our own
  const key = p.peerKeys.get(hello.index);
  if (key === undefined || hello.index === p.self) {
    throw new P2pError('P2P_UNKNOWN_PEER', `validator index ${hello.index} is not a peer`, {
      peer: hello.index,
    });
  }
  // [REJECT] a key other than the one the peer set gives that index
  if (!bytesEqual(key, hello.publicKey)) {
    throw new P2pError(
      'P2P_UNKNOWN_KEY',
      `validator ${hello.index} presented a key the peer set does not give it`,
      {
        peer: hello.index,
        presentedKey: toHex(hello.publicKey),
      },
    );
  }
  // [REJECT] on a dialed connection, a peer other than the one dialed
  if (p.role === 'dialer' && hello.index !== p.expected) {
    throw new P2pError(
      'P2P_WRONG_PEER',
      `dialed validator ${p.expected} but validator ${hello.index} answered`,
      {
        peer: hello.index,
        expected: p.expected ?? null,
      },
    );
  }
  // [REJECT] an accepted connection from a peer we dial ourselves (one connection per pair)
  if (p.role === 'listener' && !dials(hello.index, p.self)) {
    throw new P2pError(
      'P2P_WRONG_DIRECTION',
      `validator ${hello.index} dialed us, but the lower index dials (validator ${p.self} dials it)`,
      { peer: hello.index },
    );
  }
  return key;
}
