import { IntelGraphError } from '@intelgraph/errors';
import { IDENTITY_HEADER, IdentitySigner } from '@intelgraph/identity';
import type { Transport } from '@intelgraph/message-queue-enhanced';
import { createMetricsRegistry, type Logger } from '@intelgraph/telemetry';
import { createGatewayCaching } from './caching/create-gateway-caching.js';
import type { GatewayConfig } from './config.js';
import { Gateway } from './gateway-server.js';
import { useGraphiQL } from './graphiql/use-graphiql.js';
import { useCors } from './http/use-cors.js';
import { useIntrospection } from './introspection/use-introspection.js';
import { OperationAnalyzer } from './limits/operation-analyzer.js';
import { useDemandControl } from './limits/use-demand-control.js';
import { useLimits } from './limits/use-limits.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { useHealth } from './observability/use-health.js';
import { useMetrics } from './observability/use-metrics.js';
import { useRequestLog } from './observability/use-request-log.js';
import { useTracing } from './observability/use-tracing.js';
import type { ApqStore } from './persisted/apq-store.js';
import { createMultiTierApqStore } from './persisted/multi-tier-apq-store.js';
import { PersistedManifest } from './persisted/persisted-manifest.js';
import { usePersistedQueries } from './persisted/use-persisted-queries.js';
import type { GatewayPlugin } from './plugin.js';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limit/rate-limiter.js';
import { createRedisRateLimiter } from './rate-limit/redis-rate-limiter.js';
import { useRateLimit } from './rate-limit/use-rate-limit.js';
import { acceptSecurityFeatures } from './security/accept-security-features.js';
import { JwtVerifier } from './security/jwt-verifier.js';
import { useAuth } from './security/use-auth.js';
import { useAuthorizationDirectives } from './security/use-authorization-directives.js';
import { useErrorMasking } from './security/use-error-masking.js';
import { useIdentity } from './security/use-identity.js';
import { createUndiciTransport } from './subgraph-fetch/undici-transport.js';
import { useCircuitBreaker } from './subgraph-fetch/use-circuit-breaker.js';
import { useDedup } from './subgraph-fetch/use-dedup.js';
import { useRequestDeadline } from './subgraph-fetch/use-request-deadline.js';
import { useRetry } from './subgraph-fetch/use-retry.js';
import { ComposedSupergraphSource } from './supergraph/composed-supergraph-source.js';
import { FileSupergraphSource } from './supergraph/file-supergraph-source.js';
import type { SupergraphSource } from './supergraph/supergraph-source.js';

export interface BuildGatewayDeps {
  readonly log: Logger;
  /** APQ store (e.g. a MultiTierCache adapter); in-process LRU by default. */
  readonly apqStore?: ApqStore;
  /** Extra plugins, placed after the built-in request plugins (seams for response caching). */
  readonly plugins?: readonly GatewayPlugin[];
  /** Domain events invalidating the caches (else RabbitMQ at CACHE_EVENTS_AMQP_URL, else none). */
  readonly cacheEvents?: Transport;
  /** Headers GraphiQL's headers editor starts with, read on every page load (`pnpm start`'s demo token). */
  readonly graphiqlHeaders?: () => Readonly<Record<string, string>> | undefined;
}

function pairs(list: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
}

/** The supergraph source the config names: a file (hot-reloaded) or composition of running subgraphs. */
export function supergraphSourceFrom(config: GatewayConfig, signer?: IdentitySigner): SupergraphSource {
  if (config.supergraphPath)
    return new FileSupergraphSource({
      path: config.supergraphPath,
      pollMs: config.supergraphPollMs,
      transform: acceptSecurityFeatures,
    });
  if (config.subgraphs) {
    return new ComposedSupergraphSource({
      subgraphs: Object.entries(pairs(config.subgraphs)).map(([name, url]) => ({ name, url })),
      pollMs: config.supergraphPollMs,
      transform: acceptSecurityFeatures,
      // Subgraphs serve only signed requests, `_service { sdl }` included.
      headers: (): Record<string, string> =>
        signer
          ? {
              [IDENTITY_HEADER]: signer.sign({
                tenantId: config.anonymousTenant,
                userId: undefined,
                scopes: [],
              }),
            }
          : {},
    });
  }
  throw new IntelGraphError(
    'CONFIG_INVALID',
    'Set SUPERGRAPH_PATH (a supergraph file) or SUBGRAPHS (name=url,…)',
    {
      details: { field: 'SUPERGRAPH_PATH' },
    },
  );
}

/**
 * The gateway the config describes, as a composition of plugins. Order matters: request hooks
 * run top to bottom (identity stripping, auth, rate limit, persisted queries, then the limits
 * and authorization once the operation is parsed); subgraph fetch wrappers nest top to bottom
 * (metrics outermost, the request deadline, dedup, the entity cache, retry, the breaker, and the
 * keep-alive transport innermost): the breaker counts upstream calls — a call dedup shares is
 * one event, each retry attempt one — and an open breaker stops the retries.
 */
export async function buildGateway(config: GatewayConfig, deps: BuildGatewayDeps): Promise<Gateway> {
  const metrics = new GatewayMetrics(createMetricsRegistry({ defaultLabels: { service: 'gateway' } }));
  const analyzer = new OperationAnalyzer({ maxTokens: config.maxTokens });
  const hasKey = config.jwksUrl ?? config.jwtPublicKey ?? config.jwtSecret;
  const verifier = hasKey
    ? new JwtVerifier({
        jwksUrl: config.jwksUrl,
        publicKey: config.jwtPublicKey,
        secret: config.jwtSecret,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        algorithms: config.jwtAlgorithms,
        tenantClaim: config.jwtTenantClaim,
        requireExp: config.jwtRequireExp,
        clockToleranceSec: config.jwtClockSkewS,
        cache: { maxEntries: config.jwtCacheMaxEntries, maxAgeMs: config.jwtCacheMaxAgeMs },
        jwks: {
          refreshIntervalMs: config.jwksRefreshS * 1000,
          maxStaleMs: config.jwksMaxStaleS * 1000,
          onError: (err) => deps.log.warn({ err, url: config.jwksUrl }, 'JWKS fetch failed'),
        },
      })
    : undefined;
  // NODE_ENV=production flips the defaults of what production must not show; both can be set.
  const production = config.nodeEnv === 'production';
  const introspection = config.introspection ?? !production;
  const maskErrors = config.maskErrors ?? production;
  const signer = config.identitySecret
    ? new IdentitySigner({ secrets: config.identitySecret.split(',').map((s) => s.trim()) })
    : undefined;
  if (!signer) deps.log.warn('IDENTITY_SECRET is unset: subgraphs receive no signed identity');
  if (!verifier)
    deps.log.warn(
      `no JWT key is configured (JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET): every request is served as the anonymous tenant "${config.anonymousTenant}"`,
    );
  const limiter: RateLimiter = config.redisUrl
    ? createRedisRateLimiter({
        url: config.redisUrl,
        cluster: config.redisCluster,
        onError: (err) => deps.log.warn({ err }, 'rate limiter: redis failed, allowing'),
      })
    : createMemoryRateLimiter();
  const manifest = config.persistedOperationsPath
    ? await PersistedManifest.load(config.persistedOperationsPath)
    : undefined;
  const ownApqStore =
    config.apq && !deps.apqStore
      ? createMultiTierApqStore({ redisUrl: config.redisUrl, redisCluster: config.redisCluster })
      : undefined;
  const health = useHealth();
  const breakers = useCircuitBreaker({
    failureThreshold: config.breakerFailures,
    resetTimeoutMs: config.breakerResetMs,
    onChange: (subgraph, phase) => {
      metrics.breakerOpen.set({ subgraph }, phase === 'closed' ? 0 : 1);
      deps.log.warn({ subgraph, phase }, 'circuit breaker changed');
    },
  });

  const caching = createGatewayCaching(config, {
    log: deps.log,
    registry: metrics.registry,
    events: deps.cacheEvents,
  });

  const plugins: GatewayPlugin[] = [
    health,
    useCors({ origins: config.corsOrigins, credentials: config.corsCredentials }),
    useMetrics(metrics),
    useRequestLog(),
    useTracing(),
    useIdentity({ signer, onForged: () => metrics.forgedIdentityHeaders.inc() }),
    useAuth({ verifier, allowAnonymous: config.allowAnonymous, anonymousTenant: config.anonymousTenant }),
    useRateLimit({
      limiter,
      tenantPerSecond: config.rateLimitTenantPerSec,
      clientPerSecond: config.rateLimitClientPerSec,
      burst: config.rateLimitBurst,
      trustedProxies: config.trustedProxies,
    }),
    usePersistedQueries({
      store: config.apq ? (deps.apqStore ?? ownApqStore) : undefined,
      manifest,
      safelist: config.safelist,
      onEvent: (event) => metrics.persistedQueries.inc({ event }),
    }),
    useIntrospection({ enabled: introspection, maxDepth: config.introspectionMaxDepth }),
    useLimits({
      maxDepth: config.maxDepth,
      maxAliases: config.maxAliases,
      maxRootFields: config.maxRootFields,
      maxDirectives: config.maxDirectives,
    }),
    useDemandControl({
      maxCost: config.maxCost,
      defaultListSize: config.defaultListSize,
      mode: config.costMode,
      extensions: config.costExtensions,
      actualCost: config.costActual,
      onCost: (kind, cost) => metrics.operationCost.observe({ kind }, cost),
    }),
    useAuthorizationDirectives({ mode: config.authorizationMode }),
    useErrorMasking({ enabled: maskErrors, clientSafeCodes: config.clientSafeErrorCodes }),
    ...(deps.plugins ?? []),
    ...caching.plugins,
    useRequestDeadline({ timeoutMs: config.requestTimeoutMs }),
    ...(config.dedup
      ? [useDedup({ onShared: (subgraph) => metrics.subgraphDeduplicated.inc({ subgraph }) })]
      : []),
    // Inside dedup: concurrent identical entity fetches share one cache lookup.
    ...caching.fetchPlugins,
    useRetry({
      retries: config.subgraphRetries,
      retryOn: config.subgraphRetryOn,
      onRetry: (subgraph) => metrics.subgraphRetries.inc({ subgraph }),
    }),
    breakers,
    ...(config.graphiql ? [useGraphiQL({ headers: deps.graphiqlHeaders })] : []),
    { name: 'apq-store', stop: () => ownApqStore?.close() },
  ];
  const supergraph = supergraphSourceFrom(config, signer);
  let loadedOnce = false;
  supergraph.onEvent((event) => {
    metrics.supergraphUpdates.inc({ result: event.kind });
    if (event.kind === 'loaded') {
      loadedOnce = true;
      deps.log.info('supergraph loaded');
    } else if (loadedOnce)
      deps.log.error({ err: event.error }, 'supergraph update failed; keeping the last good one');
    // Before the first load (subgraphs still starting) the source retries until its deadline.
    else deps.log.warn({ err: event.error }, 'no supergraph yet; retrying');
  });
  const gateway = new Gateway({
    supergraph,
    plugins,
    analyzer,
    log: deps.log,
    transport: createUndiciTransport({
      connections: config.subgraphConnections,
      timeoutMs: config.subgraphTimeoutMs,
      timeouts: Object.fromEntries(
        Object.entries(pairs(config.subgraphTimeouts)).map(([k, v]) => [k, Number(v)]),
      ),
    }),
    maxBodyBytes: config.maxBodyBytes,
    drainTimeoutMs: config.drainTimeoutMs,
    introspection,
    executor: config.executor,
    ...(config.subscriptions
      ? {
          subscriptions: {
            registry: metrics.registry,
            limits: {
              perConnection: config.subscriptionMaxPerConnection,
              perTenant: config.subscriptionMaxPerTenant,
              maxBufferedBytes: config.subscriptionMaxBufferedBytes,
              keepAliveMs: config.subscriptionKeepAliveMs,
            },
          },
        }
      : {}),
  });
  health.bind(() => gateway.runtime);
  return gateway;
}
