/**
 * TLS for validator links (docs/p2p.md §1): TLS 1.3 only, and the channel binding both handshake
 * signatures cover — the TLS exporter (RFC 8446 §7.5) of the connection, as RFC 9266 `tls-exporter`
 * does with its own label. Both ends of one TLS connection compute the same 32 bytes; a relay that
 * terminates TLS itself holds two connections with two different values, so an AUTH signed on one
 * does not verify on the other.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { P2pError } from './p2pError.ts';

/** The exporter label (RFC 8446 §7.5; the "EXPORTER-" prefix as RFC 5705 asks). */
export const TLS_EXPORTER_LABEL = 'EXPORTER-dpp-p2p-v1';
/** Bytes of the channel binding. */
export const CHANNEL_BINDING_BYTES = 32;

/** TLS versions of both ends: 1.3 and nothing else (its exporter is unique per connection). */
export const TLS_VERSIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

/** The channel binding of an established TLS 1.3 socket; throws P2P_NOT_ENCRYPTED for any other. */
export function channelBinding(socket: Socket): Uint8Array {
  // [REJECT] a link that is not TLS 1.3: no plaintext, no older TLS (the handshake would not bind)
  if (!(socket instanceof TLSSocket) || socket.getProtocol() !== 'TLSv1.3') {
    throw new P2pError('P2P_NOT_ENCRYPTED', 'the link is not TLS 1.3', {
      protocol: socket instanceof TLSSocket ? String(socket.getProtocol()) : 'none',
    });
  }
  try {
    // An empty context: in TLS 1.3 the same as none (RFC 8446 §7.5), as RFC 9266 uses.
    return new Uint8Array(
      socket.exportKeyingMaterial(CHANNEL_BINDING_BYTES, TLS_EXPORTER_LABEL, Buffer.alloc(0)),
    );
  } catch (cause) {
    throw new P2pError('P2P_NOT_ENCRYPTED', `no TLS exporter: ${String(cause)}`, {}, { cause });
  }
}
