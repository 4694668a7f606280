import { configInvalid } from './transport-options.js';

/** Exponential backoff with jitter between handler retries. */
export interface RetryPolicy {
  /** Delay before the first retry, ms. Default 1000. */
  readonly baseDelayMs: number;
  /** Each further retry waits `factor` times longer. Default 2. */
  readonly factor: number;
  /** Upper bound of the delay before jitter, ms. Default 60000. */
  readonly maxDelayMs: number;
  /** Spread: the delay is drawn from [d·(1−jitter), d·(1+jitter)]. Default 0.2. */
  readonly jitter: number;
}

export const RETRY_DEFAULTS: RetryPolicy = { baseDelayMs: 1000, factor: 2, maxDelayMs: 60_000, jitter: 0.2 };

export function resolveRetryPolicy(partial: Partial<RetryPolicy>): RetryPolicy {
  const policy = { ...RETRY_DEFAULTS, ...partial };
  if (!(policy.baseDelayMs >= 0))
    throw configInvalid('retry.baseDelayMs', policy.baseDelayMs, 'a number >= 0');
  if (!(policy.factor >= 1)) throw configInvalid('retry.factor', policy.factor, 'a number >= 1');
  if (!(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw configInvalid('retry.maxDelayMs', policy.maxDelayMs, 'a number >= retry.baseDelayMs');
  }
  if (!(policy.jitter >= 0 && policy.jitter <= 1))
    throw configInvalid('retry.jitter', policy.jitter, 'a number from 0 to 1');
  return policy;
}

/** Delay before a retry, without jitter, for the n-th retry (1-based). */
export function baseRetryDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, retry - 1));
}

/** Delay before the n-th retry (1-based) with jitter drawn from `random` (0 ≤ r < 1). */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = baseRetryDelay(policy, retry);
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1))));
}
