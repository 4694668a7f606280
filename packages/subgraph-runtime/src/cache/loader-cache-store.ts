import type { MultiTierCache } from '@intelgraph/advanced-caching';
import type { LoaderCacheStore } from '@intelgraph/graphql-dataloader';

/**
 * MultiTierCache as the loaders' read-through store: `readThrough`, the cache's batched
 * read-through (one `mget`, the misses loaded once across the requests of the process and, on
 * cold keys with Redis, across the service's instances, stored fenced on their tags). Each entry
 * carries the invalidation tags its loader declares (`Entity:<id>`, the tags the writes changing
 * it declare to `ShardedEventStore.append`), so a slow read never writes back a row that a write
 * invalidated meanwhile.
 */
export function multiTierLoaderStore<V>(cache: MultiTierCache): LoaderCacheStore<V> {
  return {
    readThrough: (keys, load, { ttlMs, tags, storable }) => {
      const seconds = Math.max(1, Math.round(ttlMs / 1000));
      return cache.readThrough<V>(keys, load, { ttl: (value) => (storable(value) ? seconds : 0), tags });
    },
  };
}
