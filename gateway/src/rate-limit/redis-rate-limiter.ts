import { createRedisClient, type RedisClient } from '@intelgraph/advanced-caching';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

/*
 * GCRA as one Lua script: read TAT, decide, write TAT with a TTL, atomically. The clock is
 * Redis's own TIME, so gateway instances with skewed clocks share one view of time.
 */
const GCRA = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat + interval - burst * interval
if now < allow_at then return {0, math.ceil(allow_at - now)} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, 0}
`;

type GcraRedis = RedisClient & {
  gcra(key: string, interval: string, burst: string): Promise<[number, number]>;
};

/** Longest a request waits for its rate decision before the limiter fails open. */
const TAKE_DEADLINE_MS = 1000;

export interface RedisRateLimiterOptions {
  readonly url: string;
  /**
   * `url` names one node of a Redis Cluster (`REDIS_CLUSTER`). The script touches one key, so each
   * rate key lives in one slot and any master can own it. Default false.
   */
  readonly cluster?: boolean;
  /** Key prefix (default `intelgraph:gateway:rl:`). */
  readonly prefix?: string;
  /** Called when Redis fails; the request is then allowed (fail open). */
  readonly onError?: (error: unknown) => void;
}

/**
 * GCRA on Redis, shared by every gateway instance. If Redis fails the limiter lets requests
 * through (and reports the error): a rate limiter must not turn a cache outage into an API outage.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  // A command waits for the connection (offline queue) but at most one reconnect and 500 ms:
  // past that the limiter fails open rather than holding the request. A Cluster client keeps
  // commands queued while it retries to reach the cluster, so `take` also bounds its own wait.
  const redis = createRedisClient(
    { url: options.url, cluster: options.cluster ?? false },
    { maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2000 },
  ) as GcraRedis;
  redis.on('error', () => {});
  redis.defineCommand('gcra', { numberOfKeys: 1, lua: GCRA });
  const prefix = options.prefix ?? 'intelgraph:gateway:rl:';
  return {
    async take(key, perSecond, burst): Promise<RateDecision> {
      try {
        const [allowed, retryAfterMs] = await withDeadline(
          redis.gcra(prefix + key, String(1000 / perSecond), String(burst)),
          TAKE_DEADLINE_MS,
        );
        return { allowed: allowed === 1, retryAfterMs };
      } catch (error) {
        options.onError?.(error);
        return { allowed: true, retryAfterMs: 0 };
      }
    },
    async readiness() {
      return redis.status === 'ready' ? undefined : `redis is ${redis.status}`;
    },
    async close() {
      redis.disconnect();
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
