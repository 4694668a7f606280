export { CacheControls, type CacheControlsOptions } from './cache-controls.js';
export { type CacheHint, CacheHintIndex, type OperationCachePlan, planOperation } from './cache-hints.js';
export { audienceKey, stableJson } from './cache-keys.js';
export { CachingMetrics } from './cache-metrics.js';
export {
  cacheControlValue,
  isStorable,
  mergePolicies,
  NO_STORE,
  type ResponsePolicy,
} from './cache-policy.js';
export {
  createGatewayCaching,
  type GatewayCaching,
  type GatewayCachingConfig,
  type GatewayCachingDeps,
} from './create-gateway-caching.js';
export { canonicalize, mergeCanonical, parseEntitiesFetch, project } from './entity-selection.js';
export { responseTags } from './response-tags.js';
export { type CacheAdminOptions, useCacheAdmin } from './use-cache-admin.js';
export { type CacheHintsPlugin, useCacheHints } from './use-cache-hints.js';
export {
  type CacheInvalidationEventsOptions,
  type CdnTagPurger,
  type DomainEventPayload,
  useCacheInvalidationEvents,
} from './use-cache-invalidation-events.js';
export { type CdnHeadersOptions, useCdnHeaders } from './use-cdn-headers.js';
export { type EntityCacheOptions, useEntityCache } from './use-entity-cache.js';
export { type ResponseCacheOptions, useResponseCache } from './use-response-cache.js';
