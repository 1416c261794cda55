/**
 * Which peers a consensus message sent again must still reach. The replica re-sends its unanswered
 * messages every `retransmitMs` (PBFT's remedy for a network that loses messages), to every peer,
 * answered or not. Over the validator transport a frame taken while the link's epoch stays the
 * same arrives once and in order (`Transport.linkEpoch`, docs/p2p.md §5), so the same message sent
 * again over the same link only repeats it. The filter remembers, per message, the epoch of each
 * peer's link that took it, and lets the message go to that peer again only once the link changed
 * (a new connection, or a frame dropped from its queue). docs/consensus.md §3 says which messages
 * the node filters this way and why.
 */

/** Per message key, the links (peer → epoch) that took it; the oldest keys are forgotten first. */
export class ResendFilter {
  private readonly taken = new Map<string, Map<number, number>>();

  constructor(
    private readonly epoch: (peer: number) => number,
    private readonly capacity = 256,
  ) {}

  /** False when the current link to `peer` has already taken the message `key`. */
  due(key: string, peer: number): boolean {
    return this.taken.get(key)?.get(peer) !== this.epoch(peer);
  }

  /** Records that the current link to `peer` took the message `key`. */
  record(key: string, peer: number): void {
    let links = this.taken.get(key);
    if (links === undefined) {
      links = new Map();
      this.taken.set(key, links);
      if (this.taken.size > this.capacity) this.taken.delete(this.taken.keys().next().value!);
    }
    links.set(peer, this.epoch(peer));
  }
}
