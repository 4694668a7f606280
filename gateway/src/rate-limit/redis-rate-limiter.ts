import { createRedisClient, type RedisClient } from '@intelgraph/advanced-caching';
import { ALLOWED, type RateDecision, type RateLimit, type RateLimiter } from './rate-limiter.js';

/*
 * GCRA over several keys as one Lua script: read every TAT, decide in order, and only if every
 * limit allows write them all with a TTL — atomically, so a request refused by one limit consumes
 * none of the others. The clock is Redis's own TIME, so gateway instances with skewed clocks
 * share one view of time. ARGV holds interval and burst per key.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tats = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local allow_at = tat + interval - burst * interval
  if now < allow_at then return {0, math.ceil(allow_at - now), i} end
  tats[i] = tat + interval
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.max(1, math.ceil(tats[i] - now)))
end
return {1, 0, 0}
`;

type GcraRedis = RedisClient & {
  gcra(keyCount: number, ...keysThenArgs: string[]): Promise<[number, number, number]>;
};

/** Longest a request waits for its rate decision before the limiter fails open. */
const TAKE_DEADLINE_MS = 1000;

export interface RedisRateLimiterOptions {
  readonly url: string;
  /**
   * `url` names one node of a Redis Cluster (`REDIS_CLUSTER`). The keys of one `take` are used by
   * one script, so they must share a hash tag (`{tenant}`, as `useRateLimit` names them). Default false.
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
  redis.defineCommand('gcra', { lua: GCRA });
  const prefix = options.prefix ?? 'intelgraph:gateway:rl:';
  return {
    async take(limits: readonly RateLimit[]): Promise<RateDecision> {
      if (limits.length === 0) return ALLOWED;
      const args: string[] = limits.map((l) => prefix + l.key);
      for (const l of limits) args.push(String(1000 / l.perSecond), String(l.burst));
      try {
        const [allowed, retryAfterMs, refused] = await withDeadline(
          redis.gcra(limits.length, ...args),
          TAKE_DEADLINE_MS,
        );
        return allowed === 1 ? ALLOWED : { allowed: false, retryAfterMs, refusedBy: refused - 1 };
      } catch (error) {
        options.onError?.(error);
        return ALLOWED;
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
