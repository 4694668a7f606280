import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';
import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';

export interface CircuitBreakerPlugin extends GatewayPlugin {
  /** The breaker of a subgraph (created on first use), for readiness and tests. */
  breaker(subgraph: string): CircuitBreaker;
}

/**
 * One circuit breaker per subgraph name. Breakers outlive supergraph reloads (the gateway asks
 * for a new fetch pipeline on each reload; the breaker state carries over). Placed inside dedup
 * and retries, it counts upstream calls: one call shared by N requests is one event, each retry
 * attempt is one, and an open breaker stops the retries. A call abandoned because every request
 * waiting for it ran out of time (GATEWAY_TIMEOUT) says nothing about the subgraph: not counted.
 */
export function useCircuitBreaker(
  options: CircuitBreakerOptions & {
    onChange?: (subgraph: string, phase: BreakerState['phase']) => void;
  } = {},
): CircuitBreakerPlugin {
  const breakers = new Map<string, CircuitBreaker>();
  const breaker = (subgraph: string): CircuitBreaker => {
    let b = breakers.get(subgraph);
    if (!b) {
      b = new CircuitBreaker(
        subgraph,
        { isFailure: (error) => !IntelGraphError.is(error, 'GATEWAY_TIMEOUT'), ...options },
        (phase) => options.onChange?.(subgraph, phase),
      );
      breakers.set(subgraph, b);
    }
    return b;
  };
  return {
    name: 'circuit-breaker',
    breaker,
    wrapSubgraphFetch(next, subgraph) {
      const b = breaker(subgraph);
      return (request) => b.run(() => next(request));
    },
  };
}
