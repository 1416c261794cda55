/**
 * Per-client rate limiting: one token bucket per client IP (capacity `burst`, refilled continuously
 * at `perSecond`); each request takes one token, a request finding the bucket empty is refused with
 * API_RATE_LIMITED (429) and the time until a token is back. Unlike a fixed window, a bucket never
 * lets a client send twice its rate across a window edge, and idle clients cost nothing: buckets
 * that have refilled completely are forgotten when the table grows past `maxClients`.
 */

/** Bucket size and refill rate; `maxClients` bounds the table (default 10 000). */
export interface RateLimitOptions {
  readonly burst: number;
  readonly perSecond: number;
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A table of token buckets keyed by client. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(opts.burst >= 1) || !(opts.perSecond > 0)) throw new RangeError('burst ≥ 1 and perSecond > 0');
    this.maxClients = opts.maxClients ?? 10_000;
  }

  /** Takes one token for `key`: 0 when allowed, otherwise the milliseconds until one is available. */
  take(key: string): number {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxClients) this.sweep(now);
      b = { tokens: this.opts.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) * this.opts.perSecond) / 1000);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.opts.perSecond);
  }

  /** Clients currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets full buckets; if none is full, the least recently created ones (half the table). */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.opts.perSecond) / 1000 >= this.opts.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxClients) return;
    let drop = Math.ceil(this.buckets.size / 2);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}
