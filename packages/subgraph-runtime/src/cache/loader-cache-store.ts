import type { MultiTierCache, TagFence } from '@intelgraph/advanced-caching';
import type { LoaderCacheStore } from '@intelgraph/graphql-dataloader';

const stores = new WeakMap<MultiTierCache, LoaderCacheStore<unknown>>();

/**
 * MultiTierCache as the loaders' read-through store: one `mget` (L1, then one Redis round trip),
 * one fenced `mset`. Each entry carries the invalidation tags its loader declares (`Entity:<id>`,
 * the tags the writes changing it declare to `ShardedEventStore.append`); `fence` captures those
 * tags' versions before a load, so a slow read never writes back a row that a write invalidated
 * meanwhile. One store per cache (the loaders share their in-flight loads per store).
 */
export function multiTierLoaderStore<V>(cache: MultiTierCache): LoaderCacheStore<V> {
  let store = stores.get(cache);
  if (!store) {
    store = {
      mget: (keys) => cache.mget(keys),
      fence: (tags) => cache.fence(tags),
      mset: (entries, { ttlMs, fence }) =>
        cache.mset(
          entries.map((e) => ({
            key: e.key,
            value: e.value,
            ttl: Math.max(1, Math.round(ttlMs / 1000)),
            tags: e.tags,
            ...(fence ? { fence: fence as TagFence } : {}),
          })),
        ),
    };
    stores.set(cache, store);
  }
  return store as LoaderCacheStore<V>;
}
