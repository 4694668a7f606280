import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';
import type { RateLimiter } from './rate-limiter.js';

export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /** Requests per second per tenant (0: unlimited). */
  readonly tenantPerSecond: number;
  /** Requests per second per client: the user, else the remote address (0: unlimited). */
  readonly clientPerSecond: number;
  /** Requests allowed at once above the steady rate (default 20). */
  readonly burst?: number;
  readonly onLimited?: (scope: 'tenant' | 'client') => void;
}

/**
 * Per-tenant and per-client rate limits (GCRA), after auth so the tenant is the verified one.
 * A refusal is 429 RATE_LIMITED with `Retry-After` in whole seconds (at least 1).
 */
export function useRateLimit(options: RateLimitOptions): GatewayPlugin {
  const burst = options.burst ?? 20;
  const check = async (
    scope: 'tenant' | 'client',
    key: string,
    perSecond: number,
    headers: Map<string, string>,
  ) => {
    if (perSecond <= 0) return;
    const decision = await options.limiter.take(`${scope}:${key}`, perSecond, burst);
    if (decision.allowed) return;
    options.onLimited?.(scope);
    const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    headers.set('retry-after', String(retryAfter));
    throw new IntelGraphError(
      'RATE_LIMITED',
      `Rate limit of the ${scope} exceeded; retry after ${retryAfter} s`,
      {
        input: key,
        details: { scope, retryAfterSeconds: retryAfter },
      },
    );
  };
  return {
    name: 'rate-limit',
    async onRequest(state) {
      const tenant = state.identity?.tenantId ?? 'public';
      await check('tenant', tenant, options.tenantPerSecond, state.responseHeaders);
      const client = state.identity?.userId ?? state.req.socket.remoteAddress ?? 'unknown';
      await check('client', `${tenant}:${client}`, options.clientPerSecond, state.responseHeaders);
    },
    readiness: () => options.limiter.readiness?.(),
    stop: () => options.limiter.close?.(),
  };
}
