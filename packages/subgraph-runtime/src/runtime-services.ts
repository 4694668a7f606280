import type { MultiTierCache } from '@intelgraph/advanced-caching';
import type { LoaderCacheOptions, LoaderStats } from '@intelgraph/graphql-dataloader';
import type { Transport } from '@intelgraph/message-queue-enhanced';
import type { Logger, Registry } from '@intelgraph/telemetry';
import type { Storage } from './storage/storage.js';

/** How one loader reads through the service's cache. */
export interface LoaderCacheSettings {
  /** Prefix of its cache keys: names the loader, the value's shape and the tenant (`entity:v1:<tenant>:`). */
  readonly prefix: string;
  /** The invalidation tags of a key's entry: those the writes changing it declare (`['Entity:<id>']`). */
  readonly tags: (key: string) => readonly string[];
  /** Default 60 000. */
  readonly ttlMs?: number;
}

/** The service-wide parts a subgraph's setup, resolvers and loaders use. Made once at start. */
export interface RuntimeServices {
  readonly service: string;
  readonly storage: Storage;
  /** L1 (+ L2 Redis when REDIS_URL is set). */
  readonly cache: MultiTierCache;
  /**
   * Read-through settings for a loader (`cache` as the store, under `prefix`, entries tagged with
   * `tags(key)`), or undefined when loader caching is off for this service.
   */
  loaderCache<V>(settings: LoaderCacheSettings): LoaderCacheOptions<V> | undefined;
  readonly loaderStats: LoaderStats;
  /** Domain events: in-process by default, Kafka with KAFKA_BROKERS, RabbitMQ with AMQP_URL (both: both). */
  readonly transport: Transport;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly maxPageSize: number;
}
