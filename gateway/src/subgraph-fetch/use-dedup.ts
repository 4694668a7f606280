import type { GatewayPlugin, SubgraphResponse } from '../plugin.js';

/**
 * Shares identical in-flight subgraph fetches: while one query fetch is on the wire, another
 * with the same subgraph, same identity (tenant, user, scopes) and same body waits for it
 * instead of sending its own. Only in-flight: the entry is dropped as soon as the fetch
 * settles, so this is not a cache and never serves a stale answer. Mutations are never shared.
 * The identity is part of the key, so one tenant never receives another's data.
 */
export function useDedup(options: { onShared?: (subgraph: string) => void } = {}): GatewayPlugin {
  return {
    name: 'dedup',
    wrapSubgraphFetch(next, subgraph) {
      const inFlight = new Map<string, Promise<SubgraphResponse>>();
      return (request) => {
        if (!request.idempotent) return next(request);
        const key = `${request.state?.identityKey ?? ''}\u0000${request.body}`;
        const pending = inFlight.get(key);
        if (pending) {
          options.onShared?.(subgraph);
          return pending;
        }
        const promise = next(request).finally(() => inFlight.delete(key));
        inFlight.set(key, promise);
        return promise;
      };
    },
  };
}
