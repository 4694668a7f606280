import type { CacheStats } from '../metrics/cache-stats.js';
import type { RedisClient } from '../options/cache-options.js';
import type { CircuitBreaker } from './circuit-breaker.js';

/** What a guarded call answers when Redis could not be used. */
export const UNAVAILABLE: unique symbol = Symbol('redis-unavailable');
export type Unavailable = typeof UNAVAILABLE;

/**
 * Every Redis call of the cache goes through here: skipped at once while the breaker is open or
 * the connection is not ready (no timeout paid per call), bounded by a timeout otherwise, and
 * never throwing. Callers treat UNAVAILABLE as "this tier has nothing to say".
 */
export class GuardedRedis {
  readonly redis: RedisClient;
  readonly breaker: CircuitBreaker;
  readonly #timeoutMs: number;
  readonly #stats: CacheStats;
  readonly #onRecover: () => void;
  /** A call was skipped or failed since the last success: the next success is a recovery. */
  #degraded = false;

  constructor(
    redis: RedisClient,
    breaker: CircuitBreaker,
    timeoutMs: number,
    stats: CacheStats,
    onRecover: () => void = () => {},
  ) {
    this.redis = redis;
    this.breaker = breaker;
    this.#timeoutMs = timeoutMs;
    this.#stats = stats;
    this.#onRecover = onRecover;
  }

  /** True when a call would be attempted now (does not reserve the half-open probe). */
  get usable(): boolean {
    return this.redis.status === 'ready' && this.breaker.state !== 'open';
  }

  async run<T>(op: (redis: RedisClient) => Promise<T>): Promise<T | Unavailable> {
    if (this.redis.status !== 'ready') {
      // Connecting or reconnecting: ioredis would queue the command until then; skip it now.
      // Not a breaker failure: the status check is already free, and the breaker is for a
      // connection that looks up but does not answer.
      this.#stats.l2Skipped++;
      this.#degraded = true;
      return UNAVAILABLE;
    }
    if (!this.breaker.allow()) {
      this.#stats.l2Skipped++;
      this.#degraded = true;
      return UNAVAILABLE;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        op(this.redis),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis call timed out after ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      this.breaker.success();
      if (this.#degraded) {
        this.#degraded = false;
        this.#onRecover();
      }
      return result;
    } catch {
      this.#stats.l2Errors++;
      this.#degraded = true;
      this.breaker.failure();
      return UNAVAILABLE;
    } finally {
      clearTimeout(timer);
    }
  }
}
