export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until one request would be allowed. */
  readonly retryAfterMs: number;
}

/**
 * GCRA (generic cell rate algorithm): one stored number per key, the theoretical arrival time
 * (TAT). A request at `now` is allowed when `TAT - burst·T <= now` (T = 1000/rate ms), and moves
 * TAT to `max(TAT, now) + T`. Smooth like a token bucket, one key and one round trip per check.
 */
export interface RateLimiter {
  take(key: string, perSecond: number, burst: number): Promise<RateDecision>;
  close?(): Promise<void>;
  readiness?(): Promise<string | undefined>;
}

/** GCRA in process memory: per gateway instance (used when REDIS_URL is unset). */
export function createMemoryRateLimiter(options: { now?: () => number; maxKeys?: number } = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const tats = new Map<string, number>();
  return {
    async take(key, perSecond, burst) {
      const t = now();
      const interval = 1000 / perSecond;
      const tat = Math.max(tats.get(key) ?? t, t);
      const allowAt = tat + interval - burst * interval;
      if (t < allowAt) return { allowed: false, retryAfterMs: allowAt - t };
      tats.delete(key);
      tats.set(key, tat + interval);
      if (tats.size > maxKeys) {
        // Oldest-inserted keys first; an expired TAT is equivalent to no entry at all.
        for (const [k, v] of tats) {
          if (tats.size <= maxKeys) break;
          if (v <= t || tats.size > maxKeys * 1.1) tats.delete(k);
        }
      }
      return { allowed: true, retryAfterMs: 0 };
    },
  };
}
