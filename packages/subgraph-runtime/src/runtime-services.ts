import type { MultiTierCache } from '@intelgraph/advanced-caching';
import type { LoaderCacheOptions, LoaderStats, ShardRouting } from '@intelgraph/graphql-dataloader';
import type { Transport } from '@intelgraph/message-queue-enhanced';
import type { Logger, Registry } from '@intelgraph/telemetry';
import type { Storage } from './storage/storage.js';

/** The service-wide parts a subgraph's setup, resolvers and loaders use. Made once at start. */
export interface RuntimeServices {
  readonly service: string;
  readonly storage: Storage;
  /** L1 (+ L2 Redis when REDIS_URL is set). */
  readonly cache: MultiTierCache;
  /**
   * Read-through settings for a loader (`cache` as the store, under `prefix`), or undefined when
   * loader caching is off for this service.
   */
  loaderCache<V>(prefix: string, ttlMs?: number): LoaderCacheOptions<V> | undefined;
  /** Routes routable ids to shards, for shard-aware loaders. */
  readonly idRouting: ShardRouting<string>;
  readonly loaderStats: LoaderStats;
  /** Domain events: in-process by default, RabbitMQ with AMQP_URL. */
  readonly transport: Transport;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly maxPageSize: number;
}
