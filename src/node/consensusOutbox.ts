/**
 * Consensus messages on their way to the other validators: each goes as a consensus-channel frame
 * (../p2p/channels.ts) whose body is `u32 epoch ‖ signed message` — the epoch of the validator set
 * it was signed in (../consensus/epochReplica.ts) — counted by message type. The replica re-sends its unanswered messages every
 * retransmission period; a pre-prepare, view change or new view goes again over a link that already
 * took it only once the resend filter says it is due (./resendFilter.ts, docs/consensus.md §3).
 */
import { concatBytes, toHex } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Writer } from '../codec/writer.ts';
import { encodeSigned, type Message, type Signed } from '../consensus/messages.ts';
import { consensusFrame } from '../p2p/channels.ts';
import type { Transport } from '../p2p/transport.ts';
import type { NodeTiming } from './config.ts';
import { ResendFilter } from './resendFilter.ts';
import type { Traffic } from './traffic.ts';

/**
 * Messages the node re-sends sparingly, however often the replica asks: a receiver usually judges
 * each on arrival (a pre-prepare against its view and stored head, a view change or new view against
 * its view), so a copy every retransmission tick over the same link mostly repeats it — and a
 * pre-prepare carries its whole block. Votes and checkpoints are re-sent as the replica asks (small,
 * and a prepare that reached a replica still waiting for the new view was ignored); block requests
 * and blocks are never held back (the answer depends on the height).
 */
const RESENT_SPARINGLY: ReadonlySet<Message['type']> = new Set(['pre-prepare', 'view-change', 'new-view']);

/** Sends the replica's messages to peers. */
export class ConsensusOutbox {
  private readonly resends: ResendFilter;

  constructor(
    private readonly traffic: Traffic,
    transport: Pick<Transport, 'linkEpoch'>,
    /** The other validators the transport knows now, by slot. */
    private readonly peers: () => readonly number[],
    timing: Pick<NodeTiming, 'viewTimeoutMs' | 'retransmitMs'>,
  ) {
    // A copy goes again over an unchanged link only after half the view timeout (at least four
    // retransmission periods): sooner than a view change would repair a copy set aside, far less
    // often than every retransmission tick.
    this.resends = new ResendFilter(
      (peer) => transport.linkEpoch(peer),
      Math.max(4 * timing.retransmitMs, timing.viewTimeoutMs / 2),
    );
  }

  /** Sends a message signed in `epoch` to peer `to` or every peer; one of RESENT_SPARINGLY only over links that are due. */
  send(to: number | 'all', epoch: number, signed: Signed): void {
    const frame = consensusFrame(concatBytes(new Writer().u32(epoch).finish(), encodeSigned(signed)));
    const kind = signed.message.type;
    const filtered = RESENT_SPARINGLY.has(kind);
    // The signature names the message: Ed25519 signs deterministically, so equal bytes, equal key.
    const key = filtered ? toHex(signed.signature) : '';
    const peers = this.peers();
    // [SKIP] a validator the transport does not know (not in the current set, or without an address)
    for (const peer of to === 'all' ? peers : peers.includes(to) ? [to] : []) {
      if (filtered && !this.resends.due(key, peer)) {
        this.traffic.skipResend();
        continue;
      }
      if (this.traffic.send(kind, peer, frame) && filtered) this.resends.record(key, peer);
    }
  }
}

/** A consensus frame's body split into its epoch and the signed message's bytes; throws DecodeError when shorter than the tag. */
export function splitEpochTag(body: Uint8Array): { epoch: number; message: Uint8Array } {
  if (body.length < 4) throw new DecodeError('DECODE_TRUNCATED', 'consensus frame without its epoch');
  const epoch = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
  return { epoch, message: body.subarray(4) };
}
