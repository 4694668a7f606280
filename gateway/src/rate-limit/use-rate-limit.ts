import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { ClientAddressResolver } from './client-address.js';
import type { RateLimit, RateLimiter } from './rate-limiter.js';

export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /** Requests per second per tenant (0: unlimited). */
  readonly tenantPerSecond: number;
  /** Requests per second per client: the user, else the client address (0: unlimited). */
  readonly clientPerSecond: number;
  /** Requests allowed at once above the steady rate (default 20). */
  readonly burst?: number;
  /**
   * Proxies (CIDRs) whose `X-Forwarded-For` names the client of an anonymous request
   * (TRUSTED_PROXIES). Default none: the socket's peer address is the client.
   */
  readonly trustedProxies?: readonly string[];
  readonly onLimited?: (scope: 'tenant' | 'client') => void;
}

/**
 * Per-client and per-tenant rate limits (GCRA), after auth so the tenant is the verified one.
 * The client — the user, else (anonymous) the client address — is checked first, then its
 * tenant, in one atomic `take`: a request its client's limit refuses consumes nothing of the
 * tenant's budget, so one abusive client cannot get its tenant's other clients refused. Both
 * keys carry the tenant as a Redis hash tag, so they share a Cluster slot. A refusal is 429
 * RATE_LIMITED with `scope` and `Retry-After` in whole seconds (at least 1).
 */
export function useRateLimit(options: RateLimitOptions): GatewayPlugin {
  const burst = options.burst ?? 20;
  const addresses = new ClientAddressResolver(options.trustedProxies);
  const clientOf = (state: RequestState): string => {
    const user = state.identity?.userId;
    return user !== undefined ? `user:${user}` : `addr:${addresses.clientAddress(state.req)}`;
  };
  return {
    name: 'rate-limit',
    async onRequest(state) {
      if (options.tenantPerSecond <= 0 && options.clientPerSecond <= 0) return;
      const tenant = state.identity?.tenantId ?? 'public';
      const tag = `{${encodeURIComponent(tenant)}}`;
      const limits: RateLimit[] = [];
      const scopes: ('client' | 'tenant')[] = [];
      if (options.clientPerSecond > 0) {
        limits.push({ key: `client:${tag}:${clientOf(state)}`, perSecond: options.clientPerSecond, burst });
        scopes.push('client');
      }
      if (options.tenantPerSecond > 0) {
        limits.push({ key: `tenant:${tag}`, perSecond: options.tenantPerSecond, burst });
        scopes.push('tenant');
      }
      const decision = await options.limiter.take(limits);
      if (decision.allowed) return;
      const scope = scopes[decision.refusedBy] ?? 'tenant';
      options.onLimited?.(scope);
      const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      state.responseHeaders.set('retry-after', String(retryAfter));
      throw new IntelGraphError(
        'RATE_LIMITED',
        `Rate limit of the ${scope} exceeded; retry after ${retryAfter} s`,
        {
          input: scope === 'tenant' ? tenant : undefined,
          details: { scope, retryAfterSeconds: retryAfter },
        },
      );
    },
    readiness: () => options.limiter.readiness?.(),
    stop: () => options.limiter.close?.(),
  };
}
