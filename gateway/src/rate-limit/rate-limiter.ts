/** One rate limit a request is checked against: a key and its GCRA parameters. */
export interface RateLimit {
  readonly key: string;
  /** Steady rate (requests per second, > 0). */
  readonly perSecond: number;
  /** Requests allowed at once above the steady rate (≥ 1). */
  readonly burst: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until one request would be allowed. */
  readonly retryAfterMs: number;
  /** When refused: the index (in the `limits` given to `take`) of the limit that refused; else -1. */
  readonly refusedBy: number;
}

/**
 * GCRA (generic cell rate algorithm): one stored number per key, the theoretical arrival time
 * (TAT). A request at `now` is allowed when `TAT - burst·T <= now` (T = 1000/rate ms), and moves
 * TAT to `max(TAT, now) + T`. Smooth like a token bucket, one key and one round trip per check.
 *
 * `take` checks several limits at once, atomically and in order, and takes a request from every
 * one of them only when all allow it: a request refused by one limit (say its client's) consumes
 * nothing of the others (its tenant's), so one client over its limit cannot spend its tenant's
 * budget. The decision names the first limit, in order, that refused.
 */
export interface RateLimiter {
  take(limits: readonly RateLimit[]): Promise<RateDecision>;
  close?(): Promise<void>;
  readiness?(): Promise<string | undefined>;
}

export const ALLOWED: RateDecision = { allowed: true, retryAfterMs: 0, refusedBy: -1 };

/** GCRA in process memory: per gateway instance (used when REDIS_URL is unset). */
export function createMemoryRateLimiter(options: { now?: () => number; maxKeys?: number } = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const tats = new Map<string, number>();
  return {
    async take(limits) {
      const t = now();
      // Decide on every limit before writing any (synchronous: no other take interleaves).
      const next: number[] = [];
      for (const [i, limit] of limits.entries()) {
        const interval = 1000 / limit.perSecond;
        const tat = Math.max(tats.get(limit.key) ?? t, t);
        const allowAt = tat + interval - limit.burst * interval;
        if (t < allowAt) return { allowed: false, retryAfterMs: allowAt - t, refusedBy: i };
        next.push(tat + interval);
      }
      for (const [i, limit] of limits.entries()) {
        tats.delete(limit.key);
        tats.set(limit.key, next[i]!);
      }
      if (tats.size > maxKeys) {
        // Oldest-inserted keys first; an expired TAT is equivalent to no entry at all.
        for (const [k, v] of tats) {
          if (tats.size <= maxKeys) break;
          if (v <= t || tats.size > maxKeys * 1.1) tats.delete(k);
        }
      }
      return ALLOWED;
    },
  };
}
