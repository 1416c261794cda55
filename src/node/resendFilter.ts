/**
 * Which peers a consensus message sent again must still reach. The replica re-sends its unanswered
 * messages every `retransmitMs` (PBFT's remedy for a network that loses messages), to every peer,
 * answered or not. Over the validator transport a frame taken while the link's epoch stays the
 * same arrives once and in order (`Transport.linkEpoch`, docs/p2p.md §5), so the same message sent
 * again over the same link soon after only repeats it. The filter remembers, per message, the epoch
 * of each peer's link that took it and when, and lets the message go to that peer again once the
 * link changed (a new connection, or a frame dropped from its queue) or `resendAfterMs` passed: a
 * receiver may have set a copy aside (a proposal it could not yet judge, a buffer that overflowed),
 * and a later copy repairs that before the view times out. docs/consensus.md §3 says which messages
 * the node filters this way and why.
 */

/** Per message key, the links (peer → epoch and time) that took it; the oldest keys are forgotten first. */
export class ResendFilter {
  private readonly taken = new Map<string, Map<number, { readonly epoch: number; readonly atMs: number }>>();

  constructor(
    private readonly epoch: (peer: number) => number,
    private readonly resendAfterMs: number,
    private readonly now: () => number = Date.now,
    private readonly capacity = 256,
  ) {}

  /** False when the current link to `peer` took the message `key` less than `resendAfterMs` ago. */
  due(key: string, peer: number): boolean {
    const sent = this.taken.get(key)?.get(peer);
    return (
      sent === undefined || sent.epoch !== this.epoch(peer) || this.now() - sent.atMs >= this.resendAfterMs
    );
  }

  /** Records that the current link to `peer` took the message `key` now. */
  record(key: string, peer: number): void {
    let links = this.taken.get(key);
    if (links === undefined) {
      links = new Map();
      this.taken.set(key, links);
      if (this.taken.size > this.capacity) this.taken.delete(this.taken.keys().next().value!);
    }
    links.set(peer, { epoch: this.epoch(peer), atMs: this.now() });
  }
}
