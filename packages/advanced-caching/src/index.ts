export type {
  BatchLoad,
  BatchMiss,
  ReadThroughOptions,
  ReadThroughResult,
} from './cache/batch-read-through.js';
export { CacheNamespace } from './cache/cache-namespace.js';
export type { Loader, LoaderContext } from './cache/load-coordinator.js';
export {
  type CacheItem,
  type CacheSetOptions,
  MultiTierCache,
  type TagFence,
} from './cache/multi-tier-cache.js';
export {
  type CacheHeaders,
  type CacheHeadersResult,
  type CachePolicy,
  computeCacheHeaders,
  MAX_TAGS_PER_OBJECT,
} from './cdn/cache-headers.js';
export type { CdnInvalidationTarget } from './cdn/cdn-invalidation-target.js';
export type { CacheEntry } from './entry/cache-entry.js';
export {
  CacheInvalidator,
  type CacheInvalidatorOptions,
  type InvalidationEvent,
  type InvalidationResult,
  type InvalidationTargets,
} from './invalidation/cache-invalidator.js';
export { assertKey, assertTag, MAX_TAG_LENGTH } from './keys/validate.js';
export type { CacheStatsSnapshot } from './metrics/cache-stats.js';
export { registerCacheMetrics, type StatsSource } from './metrics/prometheus-metrics.js';
export {
  CACHE_DEFAULTS,
  type CircuitBreakerOptions,
  type CompressionOptions,
  type L1Options,
  type L2Options,
  type MultiTierCacheOptions,
  type RedisClient,
  type StampedeOptions,
} from './options/cache-options.js';
export {
  createRedisClient,
  type RedisClientOptions,
  type RedisConnection,
} from './redis/create-redis-client.js';
export { EntryCodec } from './serialization/entry-codec.js';
export { jsonSerializer, type Serializer } from './serialization/serializer.js';
export type { CacheStore, StoreWrite } from './stores/cache-store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory-store.js';
export { RedisKeys } from './stores/redis-keys.js';
export { RedisStore } from './stores/redis-store.js';
export {
  audienceTypeTags,
  bareTypeTags,
  type ChangedObject,
  entityTag,
  INVALIDATES_METADATA,
  INVALIDATION_TOPIC,
  invalidationTags,
  isValidTag,
  setChangeTags,
  tagsOfEventMetadata,
  tenantTag,
  tenantTypeTag,
  type WriteChanges,
} from './tags/object-tags.js';
export { CacheWarmer, type WarmingReport, type WarmingStrategy } from './warming/cache-warmer.js';
