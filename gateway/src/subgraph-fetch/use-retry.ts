import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin, SubgraphRequest } from '../plugin.js';

/** Failures a query fetch may be retried on (SUBGRAPH_RETRY_ON). */
export const RETRY_ON = ['connect', 'timeout', '5xx'] as const;
export type RetryOn = (typeof RETRY_ON)[number];

export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  readonly retries?: number;
  /**
   * Which failures are retried (default `connect` only): `connect` — refused, reset or closed
   * before any response; `timeout` — no answer within the subgraph timeout; `5xx` — an error
   * status without GraphQL data.
   */
  readonly retryOn?: readonly RetryOn[];
  /** First backoff; doubled each retry, with full jitter (default 50 ms). */
  readonly baseDelayMs?: number;
  /** Largest backoff (default 1000 ms). */
  readonly maxDelayMs?: number;
  /** Called before each retry (metrics). */
  readonly onRetry?: (subgraph: string, attempt: number, error: unknown) => void;
}

/** The retryable kind of a failed fetch, from the transport's `details.failure`; undefined: never retried. */
function failureOf(error: unknown): RetryOn | undefined {
  if (!IntelGraphError.is(error)) return undefined;
  if (error.code === 'SUBGRAPH_TIMEOUT') return 'timeout';
  if (error.code !== 'SUBGRAPH_REQUEST_FAILED') return undefined;
  const failure = error.details.failure;
  return failure === 'connect' || failure === '5xx' ? failure : undefined;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retries idempotent (query) fetches — never a mutation, which a retry could apply twice — and
 * by default only on connection-level failures, where the subgraph sent no answer at all: a
 * timed-out query may still be running there, and a 5xx is usually the subgraph's verdict, so
 * retrying those multiplies the load on a struggling subgraph (one slow query used to make three
 * calls). `retryOn` widens it. No retry starts past the request's deadline, and a backoff ends
 * when the fetch is abandoned. Backoff is exponential with full jitter so many gateway instances
 * do not retry in lockstep. Placed outside the breaker: each attempt is an upstream call the
 * breaker counts, and an open breaker (SUBGRAPH_UNAVAILABLE) stops the retries.
 */
export function useRetry(options: RetryOptions = {}): GatewayPlugin {
  const retries = options.retries ?? 2;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 1000;
  const retryOn: ReadonlySet<RetryOn> = new Set(options.retryOn ?? ['connect']);
  if (!Number.isInteger(retries) || retries < 0) {
    throw new IntelGraphError('CONFIG_INVALID', 'useRetry: retries must be a non-negative integer', {
      input: retries,
      details: { field: 'retries' },
    });
  }
  for (const kind of retryOn) {
    if (!(RETRY_ON as readonly string[]).includes(kind)) {
      throw new IntelGraphError('CONFIG_INVALID', `useRetry: unknown failure kind "${kind}"`, {
        input: kind,
        details: { field: 'retryOn', allowed: RETRY_ON },
      });
    }
  }
  const retryable = (error: unknown, request: SubgraphRequest, delay: number): boolean => {
    const kind = failureOf(error);
    if (kind === undefined || !retryOn.has(kind)) return false;
    if (request.signal?.aborted) return false;
    return request.deadline === undefined || performance.now() + delay < request.deadline;
  };
  return {
    name: 'retry',
    wrapSubgraphFetch(next, subgraph) {
      if (retries === 0 || retryOn.size === 0) return next;
      return async (request) => {
        if (!request.idempotent) return next(request);
        for (let attempt = 0; ; attempt++) {
          try {
            return await next(request);
          } catch (error) {
            const delay = Math.random() * Math.min(max, base * 2 ** attempt);
            if (attempt >= retries || !retryable(error, request, delay)) throw error;
            options.onRetry?.(subgraph, attempt + 1, error);
            await backoff(delay, request.signal);
          }
        }
      };
    },
  };
}
