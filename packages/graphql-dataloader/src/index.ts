export type { default as DataLoader } from 'dataloader';
export {
  type AggregateBatchFn,
  type AggregateKind,
  type AggregateLoaderOptions,
  type AggregateRow,
  type AggregateValue,
  createAggregateLoader,
} from './aggregate-loader.js';
export {
  type ClearableLoader,
  DataLoaderRegistry,
  defineLoaders,
  type LoaderFactories,
  type LoadersOf,
} from './data-loader-registry.js';
export {
  createEntityLoader,
  type EntityBatchFn,
  type EntityBatchResult,
  type EntityLoaderOptions,
} from './entity-loader.js';
export type { LoaderCacheOptions, LoaderCacheStore } from './loader-cache.js';
export {
  type LoaderMetrics,
  LoaderStats,
  type LoaderStatsOptions,
  type LoaderTotals,
  noLoaderMetrics,
} from './loader-metrics.js';
export { type BatchContext, LOADER_DEFAULTS, type LoaderOptions } from './loader-options.js';
export {
  createRelationshipLoader,
  type RelationshipBatchFn,
  type RelationshipBatchResult,
  type RelationshipLoaderOptions,
} from './relationship-loader.js';
export { type ShardRouting, shardRoutingBy } from './shard-routing.js';
