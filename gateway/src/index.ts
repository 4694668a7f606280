export { type BuildGatewayDeps, buildGateway, supergraphSourceFrom } from './build-gateway.js';
export * from './caching/index.js';
export { configSpec, type GatewayConfig } from './config.js';
export { Gateway, type GatewayOptions, type GatewayPhase } from './gateway-server.js';
export { useGraphiQL } from './graphiql/use-graphiql.js';
export { measureActualCost } from './limits/actual-cost.js';
export { analyzeOperation, type OperationAnalysis } from './limits/analyze-operation.js';
export { CostDirectives, type ListSize } from './limits/cost-directives.js';
export { type CostModel, estimateCost } from './limits/estimate-cost.js';
export { OperationAnalyzer, type OperationAnalyzerOptions } from './limits/operation-analyzer.js';
export { coerceVariables } from './limits/operation-values.js';
export {
  COST_REQUEST_HEADER,
  type DemandControlOptions,
  useDemandControl,
} from './limits/use-demand-control.js';
export { DEFAULT_LIMITS, type LimitsOptions, useLimits } from './limits/use-limits.js';
export { GatewayMetrics } from './observability/gateway-metrics.js';
export { useHealth } from './observability/use-health.js';
export { useMetrics } from './observability/use-metrics.js';
export { useRequestLog } from './observability/use-request-log.js';
export { parseTraceparent, useTracing } from './observability/use-tracing.js';
export { type ApqStore, createMemoryApqStore } from './persisted/apq-store.js';
export { createMultiTierApqStore, type MultiTierApqStore } from './persisted/multi-tier-apq-store.js';
export { PersistedManifest, sha256Hex } from './persisted/persisted-manifest.js';
export { type PersistedQueriesOptions, usePersistedQueries } from './persisted/use-persisted-queries.js';
export type {
  GatewayPlugin,
  GatewayRuntime,
  GraphQLParams,
  HttpRoute,
  RequestState,
  SubgraphFetch,
  SubgraphRequest,
  SubgraphResponse,
} from './plugin.js';
export { ClientAddressResolver } from './rate-limit/client-address.js';
export {
  createMemoryRateLimiter,
  type RateDecision,
  type RateLimit,
  type RateLimiter,
} from './rate-limit/rate-limiter.js';
export { createRedisRateLimiter } from './rate-limit/redis-rate-limiter.js';
export { type RateLimitOptions, useRateLimit } from './rate-limit/use-rate-limit.js';
export { acceptSecurityFeatures } from './security/accept-security-features.js';
export { JwtVerifier, type JwtVerifierOptions } from './security/jwt-verifier.js';
export { type AuthOptions, useAuth } from './security/use-auth.js';
export { readRequirements, useAuthorizationDirectives } from './security/use-authorization-directives.js';
export { CLIENT_IDENTITY_HEADERS, useIdentity } from './security/use-identity.js';
export { CircuitBreaker, type CircuitBreakerOptions } from './subgraph-fetch/circuit-breaker.js';
export { buildSubgraphFetch, PipelineDataSource } from './subgraph-fetch/pipeline-data-source.js';
export {
  createUndiciTransport,
  type SubgraphFailure,
  type SubgraphTransport,
  type UndiciTransportOptions,
} from './subgraph-fetch/undici-transport.js';
export { useCircuitBreaker } from './subgraph-fetch/use-circuit-breaker.js';
export { type DedupOptions, useDedup } from './subgraph-fetch/use-dedup.js';
export { type RequestDeadlineOptions, useRequestDeadline } from './subgraph-fetch/use-request-deadline.js';
export { RETRY_ON, type RetryOn, type RetryOptions, useRetry } from './subgraph-fetch/use-retry.js';
export { composeSupergraph, type SubgraphSdl } from './supergraph/compose.js';
export { ComposedSupergraphSource, fetchSubgraphSdl } from './supergraph/composed-supergraph-source.js';
export { FileSupergraphSource } from './supergraph/file-supergraph-source.js';
export type { SupergraphEvent, SupergraphSource } from './supergraph/supergraph-source.js';
