import { CacheInvalidator, createRedisClient, MultiTierCache } from '@intelgraph/advanced-caching';
import { CloudFrontInvalidator } from '@intelgraph/advanced-caching/cloudfront';
import { type Transport, transportFor } from '@intelgraph/message-queue-enhanced';
import type { Logger, Registry } from '@intelgraph/telemetry';
import type { GatewayPlugin } from '../plugin.js';
import { CacheControls } from './cache-controls.js';
import { CachingMetrics } from './cache-metrics.js';
import { useCacheAdmin } from './use-cache-admin.js';
import { useCacheHints } from './use-cache-hints.js';
import { useCacheInvalidationEvents } from './use-cache-invalidation-events.js';
import { useCdnHeaders } from './use-cdn-headers.js';
import { useEntityCache } from './use-entity-cache.js';
import { useResponseCache } from './use-response-cache.js';

/** The caching settings (see `config.ts`, `CACHE_*`). */
export interface GatewayCachingConfig {
  readonly cacheResponses: boolean;
  readonly cacheEntities: boolean;
  readonly cacheCdnHeaders: boolean;
  readonly cacheDefaultMaxAge: number;
  readonly cacheMaxAgeCap: number;
  readonly cacheTypeMaxAge?: readonly string[];
  readonly cacheSubgraphMaxAge?: readonly string[];
  readonly cacheL1MaxEntries: number;
  readonly cachePrefix: string;
  readonly cacheEventsAmqpUrl?: string;
  readonly cacheEventsKafkaBrokers?: readonly string[];
  readonly cacheEventsTopics: readonly string[];
  readonly cacheEventsGroup: string;
  readonly cacheAdminToken?: string;
  readonly cdnUntaggedMaxAge: number;
  readonly cloudfrontDistributionId?: string;
  readonly cloudfrontEndpoint?: string;
  readonly redisUrl?: string;
  /** `redisUrl` names one node of a Redis Cluster (`REDIS_CLUSTER`). */
  readonly redisCluster?: boolean;
}

export interface GatewayCachingDeps {
  readonly log: Logger;
  readonly registry: Registry;
  /** Domain events to consume (else RabbitMQ at CACHE_EVENTS_AMQP_URL, else none). */
  readonly events?: Transport;
}

export interface GatewayCaching {
  /** Request-level plugins: before the breaker, dedup and retry wrappers. */
  readonly plugins: readonly GatewayPlugin[];
  /**
   * The entity cache: a fetch wrapper to place inside in-flight dedup (concurrent identical
   * `_entities` fetches then share one lookup) and outside retries.
   */
  readonly fetchPlugins: readonly GatewayPlugin[];
  readonly metrics: CachingMetrics;
  readonly cache: MultiTierCache | undefined;
}

function pairs(list: readonly string[] | undefined): Record<string, number> {
  return Object.fromEntries(
    (list ?? []).map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))]),
  );
}

/**
 * Where the invalidating domain events come from: Kafka when the subgraphs publish there
 * (CACHE_EVENTS_KAFKA_BROKERS), RabbitMQ (CACHE_EVENTS_AMQP_URL), or nowhere (the shared
 * `transportFor`, which refuses both). A new invalidation group starts at the end of the Kafka
 * log: events older than it purge nothing this deployment cached, and replaying the history would
 * purge fresh entries (as a RabbitMQ group queue, which holds only what arrives after it is declared).
 */
function eventTransport(config: GatewayCachingConfig, registry: Registry): Transport | undefined {
  return transportFor(
    { kafkaBrokers: config.cacheEventsKafkaBrokers, amqpUrl: config.cacheEventsAmqpUrl },
    {
      role: 'consumer',
      service: 'gateway',
      group: config.cacheEventsGroup,
      fromBeginning: false,
      metrics: registry,
      fields: { kafkaBrokers: 'CACHE_EVENTS_KAFKA_BROKERS', amqpUrl: 'CACHE_EVENTS_AMQP_URL' },
    },
  );
}

/**
 * The caching plugins the config asks for, in order: hints (always, when anything is on; the
 * hint index only when neither responses nor CDN headers are on), the response cache, the entity
 * cache (a subgraph fetch wrapper), the CDN headers (with either of those two), the event
 * consumer and the admin endpoint, plus one plugin releasing what they share (the cache, its
 * Redis client, the CloudFront invalidator, an owned event transport). Nothing when all is off.
 */
export function createGatewayCaching(config: GatewayCachingConfig, deps: GatewayCachingDeps): GatewayCaching {
  const metrics = new CachingMetrics(deps.registry);
  const anything = config.cacheResponses || config.cacheEntities || config.cacheCdnHeaders;
  if (!anything) return { plugins: [], fetchPlugins: [], metrics, cache: undefined };
  const controls = new CacheControls({
    defaultMaxAge: config.cacheDefaultMaxAge,
    maxAgeCap: config.cacheMaxAgeCap,
    typeMaxAge: pairs(config.cacheTypeMaxAge),
    subgraphMaxAge: pairs(config.cacheSubgraphMaxAge),
  });
  const redis = config.redisUrl
    ? createRedisClient(
        { url: config.redisUrl, cluster: config.redisCluster ?? false },
        { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false },
      )
    : undefined;
  const cache = new MultiTierCache({
    name: 'gateway',
    prefix: config.cachePrefix,
    l1: { enabled: true, maxSize: config.cacheL1MaxEntries, ttl: 300 },
    ...(redis ? { l2: { enabled: true, redis, ttl: 3600 } } : {}),
    defaultTTL: 60,
    // No single-flight for the gateway's entries: two `_entities` fetches of one entity rarely
    // select the same fields (a waiter could seldom use the holder's answer and would fetch after
    // waiting), identical fetches already share one call (in-flight dedup), and below, the
    // subgraph's loaders read a cold row once across its instances.
    stampedePrevention: false,
  });
  const invalidator = new CacheInvalidator(cache, redis);
  const cdn = config.cloudfrontDistributionId
    ? new CloudFrontInvalidator({
        distributionId: config.cloudfrontDistributionId,
        ...(config.cloudfrontEndpoint
          ? { clientConfig: { endpoint: config.cloudfrontEndpoint, region: 'us-east-1' } }
          : {}),
      })
    : undefined;
  const ownTransport = deps.events ? undefined : eventTransport(config, deps.registry);
  const events = deps.events ?? ownTransport;
  // Response policies and tags are read by the response cache and the CDN headers only: with the
  // entity cache alone, no request pays for computing them (nor gets Cache-Control / Cache-Tag
  // headers, which CACHE_CDN_HEADERS asks for).
  const responsePolicy = config.cacheResponses || config.cacheCdnHeaders;
  const hints = useCacheHints(controls, {
    unnamedMaxAge: config.cdnUntaggedMaxAge,
    tagFetchedEntities: responsePolicy,
    responsePolicy,
  });
  const plugins: GatewayPlugin[] = [hints];
  if (config.cacheResponses) plugins.push(useResponseCache({ cache, metrics }));
  const fetchPlugins = config.cacheEntities
    ? [useEntityCache({ cache, hints: hints.hints, controls, metrics, trackResponsePolicy: responsePolicy })]
    : [];
  if (responsePolicy) plugins.push(useCdnHeaders({ untaggedMaxAge: config.cdnUntaggedMaxAge }));
  if (events)
    plugins.push(
      useCacheInvalidationEvents({
        transport: events,
        topics: config.cacheEventsTopics,
        group: config.cacheEventsGroup,
        invalidator,
        cdn,
        metrics,
        log: deps.log,
      }),
    );
  if (config.cacheAdminToken)
    plugins.push(
      useCacheAdmin({
        token: config.cacheAdminToken,
        invalidate: (tags) => cache.invalidateByTag(tags),
        cdn,
        metrics,
      }),
    );
  plugins.push({
    name: 'caching-resources',
    async stop() {
      await ownTransport?.close().catch(() => {});
      await cdn?.stop().catch(() => {});
      await cache.close();
      redis?.disconnect();
    },
  });
  return { plugins, fetchPlugins, metrics, cache };
}
