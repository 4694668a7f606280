export { DATABASE_SHARDS_FORM, databaseShardsSchema, parseDatabaseShards } from './config/database-shards.js';
export {
  DEFAULTS,
  type KeyRange,
  type ResolvedShardManagerOptions,
  resolveShardManagerOptions,
  type ShardConfig,
  type ShardManagerOptions,
  type StrategyName,
} from './config/shard-manager-options.js';
export { parseRoutableId, ROUTABLE_ID_SEPARATOR, routableId, shardKeyOfId } from './ids/routable-id.js';
export { ShardMetrics } from './metrics/shard-metrics.js';
export { TENANT_MOVING_SQLSTATE } from './move/move-capture.js';
export { type MoveDetail, MoveJournal, type MovePhase, type MoveRecord } from './move/move-journal.js';
export {
  type MoveProgress,
  type MoveReport,
  type TableCheck,
  TenantMover,
  type TenantMoverOptions,
} from './move/tenant-mover.js';
export { TenantTable } from './move/tenant-table.js';
export {
  type AggregateFunction,
  type AggregateQueryOptions,
  aggregateQuery,
} from './query/aggregate-query.js';
export type { AggregateMerge, MergeSpec, OrderByKey } from './query/merge-spec.js';
export type { StatementResult } from './query/node-executor.js';
export type { QueryContext, ShardQuery, ShardQueryResult } from './query/query-context.js';
export {
  type BroadcastQuery,
  type BroadcastResult,
  QueryDistributor,
  type QueryDistributorOptions,
  type ShardFailure,
} from './query/query-distributor.js';
export { QUERY_CHANNEL, type QueryEvent, type QueryListener } from './query/query-events.js';
export type { WriteMark } from './query/read-your-writes.js';
export type { ShardTransaction } from './query/shard-transaction.js';
export { planAddShard, type RebalancePlan } from './rebalance/rebalance-plan.js';
export { type RebalanceReport, Rebalancer, type RebalancerOptions } from './rebalance/rebalancer.js';
export type { ShardedTable } from './rebalance/table-spec.js';
export { type ShardAvailability, shardAvailability } from './replicas/shard-availability.js';
export type { NodeHealth, NodeRole, NodeStatus, ShardNode } from './replicas/shard-node.js';
export { OperationFence } from './routing/operation-fence.js';
export { ShardRouter, type ShardRouterConfig } from './routing/shard-router.js';
export { type Shard, ShardManager, type ShardManagerState } from './shard-manager.js';
export { ConsistentHashRing } from './strategies/consistent-hash-ring.js';
export { GeoStrategy, type GeoStrategyOptions } from './strategies/geo-strategy.js';
export { HashStrategy } from './strategies/hash-strategy.js';
export { hash32 } from './strategies/hash32.js';
export { RangeStrategy } from './strategies/range-strategy.js';
export type { RouteHint, ShardingStrategy, ShardKey } from './strategies/sharding-strategy.js';
export {
  type PlacementState,
  relocatedTenants,
  ShardMap,
  type ShardMapSnapshot,
  type StoredShard,
  type StoredShardState,
  type TenantPlacement,
} from './topology/shard-map.js';
export {
  type AgreementOptions,
  assertShardMapAgreement,
  comparableUrl,
  shardMapDisagreements,
} from './topology/shard-map-agreement.js';
export {
  ShardMapFollower,
  type ShardMapFollowerEvents,
  type ShardMapFollowerOptions,
} from './topology/shard-map-follower.js';
export { SHARD_MAP_SCHEMA } from './topology/shard-map-schema.js';
export {
  type FootprintTable,
  type MapInstance,
  type ShardMapChange,
  ShardMapStore,
  type ShardMapStoreOptions,
} from './topology/shard-map-store.js';
