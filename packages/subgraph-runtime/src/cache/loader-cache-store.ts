import type { MultiTierCache } from '@intelgraph/advanced-caching';
import type { LoaderCacheStore } from '@intelgraph/graphql-dataloader';

/** MultiTierCache as the loaders' read-through store: one `mget` (L1, then one Redis round trip), one `mset`. */
export function multiTierLoaderStore<V>(cache: MultiTierCache): LoaderCacheStore<V> {
  return {
    mget: (keys) => cache.mget<V>(keys),
    mset: (entries, { ttlMs }) =>
      cache.mset(
        entries.map((e) => ({ key: e.key, value: e.value, ttl: Math.max(1, Math.round(ttlMs / 1000)) })),
      ),
  };
}
