import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  readonly retries?: number;
  /** First backoff; doubled each retry, with full jitter (default 50 ms). */
  readonly baseDelayMs?: number;
  /** Largest backoff (default 1000 ms). */
  readonly maxDelayMs?: number;
  /** Called before each retry (metrics). */
  readonly onRetry?: (subgraph: string, attempt: number, error: unknown) => void;
}

/**
 * Retries idempotent (query) fetches that failed for a transient reason: connection errors,
 * timeouts, 5xx. Mutations are never retried: a retry could apply them twice. Backoff is
 * exponential with full jitter so many gateway instances do not retry in lockstep.
 */
export function useRetry(options: RetryOptions = {}): GatewayPlugin {
  const retries = options.retries ?? 2;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 1000;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new IntelGraphError('CONFIG_INVALID', 'useRetry: retries must be a non-negative integer', {
      input: retries,
      details: { field: 'retries' },
    });
  }
  return {
    name: 'retry',
    wrapSubgraphFetch(next, subgraph) {
      if (retries === 0) return next;
      return async (request) => {
        if (!request.idempotent) return next(request);
        for (let attempt = 0; ; attempt++) {
          try {
            return await next(request);
          } catch (error) {
            const transient =
              IntelGraphError.is(error) && error.retryable && error.code !== 'SUBGRAPH_UNAVAILABLE';
            if (!transient || attempt >= retries) throw error;
            options.onRetry?.(subgraph, attempt + 1, error);
            const delay = Math.random() * Math.min(max, base * 2 ** attempt);
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        }
      };
    },
  };
}
