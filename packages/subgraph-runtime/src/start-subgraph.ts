import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createRedisClient, MultiTierCache, registerCacheMetrics } from '@intelgraph/advanced-caching';
import type { ShardConfig } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import { DataLoaderRegistry, type LoaderFactories, LoaderStats } from '@intelgraph/graphql-dataloader';
import type { Identity } from '@intelgraph/identity';
import { type Transport, transportFor } from '@intelgraph/message-queue-enhanced';
import {
  createLogger,
  createMetricsRegistry,
  type Logger,
  startTracing,
  type TracingConfig,
  tracesEndpoint,
} from '@intelgraph/telemetry';
import type { DocumentNode } from 'graphql';
import { invalidateRelocatedTenants } from './cache/invalidate-relocated-tenants.js';
import { multiTierLoaderStore } from './cache/loader-cache-store.js';
import type { RequestContext, SubgraphContext } from './context/request-context.js';
import { SessionRegistry } from './context/session-registry.js';
import { TenantDb } from './context/tenant-db.js';
import { createFormatError } from './graphql/format-error.js';
import { noStoreMutationsPlugin } from './graphql/no-store-mutations.js';
import { SubgraphServer } from './http/subgraph-server.js';
import { IdentityGuard } from './identity/identity-guard.js';
import { PrimaryTenantDb } from './live/primary-tenant-db.js';
import { serveSubscriptions } from './live/subscription-server.js';
import type { LoaderCacheSettings, RuntimeServices } from './runtime-services.js';
import type { Migration } from './storage/migrations.js';
import { openStorage } from './storage/storage.js';
import { storageReadiness } from './storage/storage-readiness.js';
import { traceGraphQLRequests, traceStatements } from './tracing/subgraph-tracing.js';

/** One tenant-keyed table: its name, the column holding the tenant, its primary key. */
export interface ShardedTableSpec {
  readonly table: string;
  readonly keyColumn: string;
  readonly primaryKey: readonly string[];
}

/** What a subgraph's setup returns, once the shared services exist. */
export interface SubgraphParts<F extends LoaderFactories<RequestContext>> {
  readonly resolvers: GraphQLResolverMap<SubgraphContext<F>>;
  readonly loaders: F;
  /** Stops what setup started (consumers, relays). Runs before the shared services stop. */
  readonly stop?: () => Promise<void>;
}

/** A subgraph: its name, schema and migrations, and a setup that builds resolvers and loaders. */
export interface SubgraphDefinition<F extends LoaderFactories<RequestContext>> {
  readonly name: string;
  readonly typeDefs: DocumentNode;
  readonly migrations: readonly Migration[];
  /**
   * The tenant-keyed tables of the migrations (rows and projections), registered in the stored
   * shard map's footprint: a tenant move copies these (and the event store's tables, which
   * `ShardedEventStore.start` registers).
   */
  readonly shardedTables?: readonly ShardedTableSpec[];
  readonly setup: (services: RuntimeServices) => Promise<SubgraphParts<F>> | SubgraphParts<F>;
}

/**
 * The runtime settings (the common variables of `subgraphVariables`, or the same fields from a test).
 * The OTEL_* fields (`tracingVariables`) switch trace export on; absent, nothing is registered.
 */
export interface SubgraphRuntimeConfig extends Partial<TracingConfig> {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly databaseShards: readonly ShardConfig[] | undefined;
  /** The stored shard map's database (`SHARD_MAP_URL`). Unset: see `StorageOptions.shardMapUrl`. */
  readonly shardMapUrl?: string | undefined;
  readonly embeddedShards: number;
  readonly embeddedDataDir: string;
  readonly redisUrl: string | undefined;
  /** `redisUrl` names one node of a Redis Cluster (`REDIS_CLUSTER`). Default false. */
  readonly redisCluster?: boolean;
  readonly amqpUrl: string | undefined;
  readonly kafkaBrokers: string | undefined;
  readonly identitySecret: string | undefined;
  readonly devIdentity: boolean;
  readonly maxPageSize: number;
  readonly shutdownTimeoutMs: number;
  /** Use the read-through cache in loaders. Default true. */
  readonly loaderCache?: boolean;
}

export interface RunningSubgraph {
  /** `http://host:port/graphql`. */
  readonly url: string;
  readonly services: RuntimeServices;
  readonly server: SubgraphServer<SubgraphContext>;
  /** Graceful stop: drain requests, stop setup's parts, then cache, transport, storage. Idempotent. */
  stop(): Promise<void>;
}

function identityGuard(config: SubgraphRuntimeConfig, logger: Logger): IdentityGuard {
  if (config.identitySecret) {
    const secrets = config.identitySecret
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return new IdentityGuard({ kind: 'signed', secrets }, logger);
  }
  if (config.devIdentity) return new IdentityGuard({ kind: 'development' }, logger);
  throw new IntelGraphError(
    'CONFIG_INVALID',
    'IDENTITY_SECRET is unset and DEV_IDENTITY is not true: set IDENTITY_SECRET (shared with the gateway), or DEV_IDENTITY=true for local development',
    { details: { field: 'IDENTITY_SECRET' } },
  );
}

/**
 * Starts a subgraph: storage (real shards or embedded PGlite) with migrations on every shard,
 * cache, event transport, the Apollo subgraph schema, and the HTTP server. Every request gets its
 * own context: verified identity, tenant-routed db, child logger, and a fresh DataLoaderRegistry.
 */
export async function startSubgraph<F extends LoaderFactories<RequestContext>>(
  definition: SubgraphDefinition<F>,
  config: SubgraphRuntimeConfig,
  overrides: {
    readonly logger?: Logger;
    /**
     * The event transport to publish on instead of the one the config names; the caller owns it
     * (the subgraph does not close it). The development platform shares one in-process transport
     * between its subgraphs and the gateway's cache invalidation.
     */
    readonly transport?: Transport;
  } = {},
): Promise<RunningSubgraph> {
  const logger = overrides.logger ?? createLogger({ service: definition.name, level: config.logLevel });
  const identity = identityGuard(config, logger);
  const registry = createMetricsRegistry({ defaultLabels: { service: definition.name } });
  const storage = await openStorage({
    service: definition.name,
    ...(config.databaseShards ? { shards: config.databaseShards } : {}),
    ...(config.shardMapUrl ? { shardMapUrl: config.shardMapUrl } : {}),
    embedded: { count: config.embeddedShards, dataDir: config.embeddedDataDir },
    migrations: definition.migrations,
    registry,
    logger,
  });
  const redis = config.redisUrl
    ? createRedisClient(
        { url: config.redisUrl, cluster: config.redisCluster ?? false },
        { lazyConnect: false, maxRetriesPerRequest: 1 },
      )
    : undefined;
  const cache = new MultiTierCache({
    name: definition.name,
    prefix: `ig:${definition.name}`,
    ...(redis ? { l2: { redis } } : {}),
  });
  // intelgraph_cache_* (hits, misses, L2 availability…) on /metrics: the CacheHitRateLow and
  // CacheL2Unavailable alerts and the Caches dashboard read them, labelled cache=<service>.
  registerCacheMetrics(registry, cache);
  // A tenant the stored shard map moves to another shard: its entries go, on every instance.
  const stopInvalidatingMoves = invalidateRelocatedTenants(storage, cache, logger);
  // Subgraphs only publish domain events (consumers, such as the gateway's cache invalidation,
  // declare their own groups when they subscribe).
  const transport =
    overrides.transport ??
    transportFor(config, {
      role: 'publisher',
      service: definition.name,
      group: definition.name,
      metrics: registry,
    });
  const closeTransport = () => (overrides.transport ? Promise.resolve() : transport.close());
  const services: RuntimeServices = {
    service: definition.name,
    storage,
    cache,
    loaderCache: <V>({ prefix, tags, ttlMs = 60_000 }: LoaderCacheSettings) =>
      config.loaderCache === false
        ? undefined
        : { store: multiTierLoaderStore<V>(cache), prefix, tags, ttlMs },
    loaderStats: new LoaderStats({ registry }),
    transport,
    registry,
    logger,
    maxPageSize: config.maxPageSize,
  };
  let parts: SubgraphParts<F>;
  try {
    await storage.registerFootprint(
      (definition.shardedTables ?? []).map((t) => ({ ...t, kind: 'rows' as const })),
    );
    parts = await definition.setup(services);
  } catch (error) {
    await closeTransport().catch(() => {});
    stopInvalidatingMoves();
    await cache.close().catch(() => {});
    redis?.disconnect();
    await storage.stop();
    throw error;
  }
  // Trace export (when an OTLP endpoint is configured). The request and statement spans are set up
  // only then (they go to whichever provider is registered: another service's in the same process
  // under `pnpm start`); without traces no request or statement pays for the hooks.
  const tracing = startTracing({ serviceName: definition.name, config });
  const traced = tracing.enabled || tracesEndpoint(config) !== undefined;
  const untraceStatements = traced ? traceStatements(storage.distributor) : () => {};
  // buildSubgraphSchema types its resolver map with Apollo's base context; ours is richer.
  const schema = buildSubgraphSchema({
    typeDefs: definition.typeDefs,
    resolvers: parts.resolvers as GraphQLResolverMap<unknown>,
  });
  const formatError = createFormatError(logger);
  const apollo = new ApolloServer<SubgraphContext<F>>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // Federated tracing (ftv1) is for Apollo's hosted studio; this platform exports its own metrics.
    // Cache-Control: Apollo's default plugin from the @cacheControl hints; mutations no-store.
    plugins: [ApolloServerPluginInlineTraceDisabled(), noStoreMutationsPlugin()],
    // The runtime owns shutdown (drain, then close storage): Apollo's own signal handlers would
    // stop it first and re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const sessions = new SessionRegistry();
  // One request's context; a subscription event's reads go to the primary (PrimaryTenantDb).
  const contextOf = (
    {
      identity: who,
      requestId,
      logger: requestLogger,
    }: { identity: Identity; requestId: string; logger: Logger },
    live: boolean,
  ): SubgraphContext<F> => {
    const session = sessions.sessionOf(who.tenantId, who.userId);
    const base: RequestContext = {
      requestId,
      identity: who,
      logger: requestLogger,
      db: live
        ? new PrimaryTenantDb(storage.distributor, who.tenantId, session)
        : new TenantDb(storage.distributor, who.tenantId, session),
      services,
    };
    const loaders = new DataLoaderRegistry<RequestContext, F>(parts.loaders, base);
    return { ...base, registry: loaders, loaders: loaders.loaders };
  };
  const server = new SubgraphServer<SubgraphContext<F>>({
    service: definition.name,
    apollo: traced ? traceGraphQLRequests(apollo, definition.name) : apollo,
    identity,
    registry,
    logger,
    readiness: () => storageReadiness(storage.manager, storage.router.shardIds),
    context: (request) => contextOf(request, false),
  });
  const subscriptions = serveSubscriptions({
    http: server.http,
    schema,
    identity,
    context: (request) => contextOf(request, true),
    formatError,
    logger,
    registry,
    accepting: () => server.state === 'ready',
  });
  const url = await server.listen(config.port, config.host);
  logger.info(
    {
      url,
      storage: storage.mode,
      shards: storage.shards.map((s) => s.id),
      transport: transport.kind,
      identity: identity.mode,
      ...(tracing.enabled ? { traces: tracing.endpoint } : {}),
    },
    `${definition.name} subgraph ready`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Subscribers are told to reconnect elsewhere (1012) with their last position.
      await subscriptions.close().catch(() => {});
      await server.drain(config.shutdownTimeoutMs);
      await apollo.stop().catch(() => {});
      await parts.stop?.().catch((error: unknown) => logger.error({ err: error }, 'subgraph stop failed'));
      await closeTransport().catch(() => {});
      stopInvalidatingMoves();
      await cache.close().catch(() => {});
      redis?.disconnect();
      await storage.stop();
      untraceStatements();
      await tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'trace flush failed'));
      logger.info(`${definition.name} subgraph stopped`);
    })();
    return stopping;
  };
  return { url, services, server: server as unknown as SubgraphServer<SubgraphContext>, stop };
}
