// The tag vocabulary of the caches, for writers: `append(…, { invalidates: invalidationTags(…) })`.
export { type ChangedObject, invalidationTags, type WriteChanges } from '@intelgraph/advanced-caching';
export { multiTierLoaderStore } from './cache/loader-cache-store.js';
export { subgraphVariables } from './config/subgraph-variables.js';
export type { RequestContext, SubgraphContext } from './context/request-context.js';
export { TenantDb } from './context/tenant-db.js';
export { invalidateAfterCommit } from './events/invalidate-after-commit.js';
export {
  ShardedEventStore,
  type ShardedEventStoreOptions,
  type WriteOptions,
  type WriteRequest,
} from './events/sharded-event-store.js';
export { cacheControlDefinitions } from './graphql/cache-control-definitions.js';
export { connectionDefinitions, pageInfoDefinition } from './graphql/connection-definitions.js';
export { createFormatError } from './graphql/format-error.js';
export { badInput, requireScope, requireText } from './graphql/input-rules.js';
export {
  type NewestFirstPageQuery,
  type NewestFirstRecord,
  newestFirstPage,
} from './graphql/newest-first-page.js';
export { type ByIdLoader, loadOwnById, ownReferenceResolver } from './graphql/own-id-lookups.js';
export {
  type Connection,
  decodeCursor,
  encodeCursor,
  type PageArgs,
  type PageRequest,
  pageRequest,
  toConnection,
} from './graphql/relay-pagination.js';
export { isOwnId, notFound, requireOwnId, tenantOfId } from './graphql/tenant-ids.js';
export type { Readiness } from './http/readiness.js';
export { type ServerState, SubgraphServer, type SubgraphServerOptions } from './http/subgraph-server.js';
export {
  DEV_SCOPES_HEADER,
  DEV_TENANT_HEADER,
  DEV_USER_HEADER,
  IdentityGuard,
  type IdentityMode,
} from './identity/identity-guard.js';
export { stopOnSignals } from './lifecycle/serve-until-signal.js';
export { followEvents } from './live/follow-events.js';
export { LIVE_EVENT_HUB_DEFAULTS, LiveEventHub, type LiveEventHubOptions } from './live/live-event-hub.js';
export type { LiveEventStream } from './live/live-event-stream.js';
export { type RowByIdLoaderOptions, rowByIdLoader } from './loaders/row-by-id-loader.js';
export type { LoaderCacheSettings, RuntimeServices } from './runtime-services.js';
export { bulkInsert } from './seed/bulk-insert.js';
export { ENTITY_KIND_NAMES, prng, type SeedOptions, SeedPlan, type SeedTenant } from './seed/seed-plan.js';
export {
  type RunningSubgraph,
  type ShardedTableSpec,
  type SubgraphDefinition,
  type SubgraphParts,
  type SubgraphRuntimeConfig,
  startSubgraph,
} from './start-subgraph.js';
export { EmbeddedShards, type EmbeddedShardsOptions } from './storage/embedded-shards.js';
export { type Migration, runMigrations } from './storage/migrations.js';
export { replicaSettleMs } from './storage/replica-settle.js';
export { openStorage, type Storage, type StorageOptions } from './storage/storage.js';
export { storageReadiness } from './storage/storage-readiness.js';
