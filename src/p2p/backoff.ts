/**
 * Reconnection delays: capped exponential backoff with "equal jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015): attempt k waits uniformly in [b/2, b] with
 * b = min(maxMs, initialMs · 2^k), so restarted peers are not hit by every dialer at once.
 */

/** Bounds of the reconnection delay. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** 100 ms doubling up to 5 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000 };

/** The delay before reconnection attempt `attempt` (0-based); `random` returns a value in [0, 1). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}
