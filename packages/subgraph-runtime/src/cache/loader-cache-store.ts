import { createHash } from 'node:crypto';
import type { MultiTierCache, TagFence } from '@intelgraph/advanced-caching';
import type { LoaderCacheStore } from '@intelgraph/graphql-dataloader';

const TAG = /^[\x21-\x2b\x2d-\x7e]{1,200}$/;

/**
 * The invalidation tag of a loader cache key: the key itself when it is a valid tag, else a hash
 * of it. Every entry the loaders store carries its key's tag, so a write fenced on that tag is
 * dropped when the key was invalidated (`invalidateLoaderKeys`) during the load.
 */
export function loaderKeyTag(key: string): string {
  return TAG.test(key) ? `lk:${key}` : `lk#${createHash('sha256').update(key).digest('base64url')}`;
}

const stores = new WeakMap<MultiTierCache, LoaderCacheStore<unknown>>();

/**
 * MultiTierCache as the loaders' read-through store: one `mget` (L1, then one Redis round trip),
 * one fenced `mset`. Each entry is tagged with its key's tag (`loaderKeyTag`); `fence` captures
 * those tags' versions before a load, so a slow read never writes back a row that a write
 * invalidated meanwhile. One store per cache (the loaders share their in-flight loads per store).
 */
export function multiTierLoaderStore<V>(cache: MultiTierCache): LoaderCacheStore<V> {
  let store = stores.get(cache);
  if (!store) {
    store = {
      mget: (keys) => cache.mget(keys),
      fence: (keys) => cache.fence(keys.map(loaderKeyTag)),
      mset: (entries, { ttlMs, fence }) =>
        cache.mset(
          entries.map((e) => ({
            key: e.key,
            value: e.value,
            ttl: Math.max(1, Math.round(ttlMs / 1000)),
            tags: [loaderKeyTag(e.key)],
            ...(fence ? { fence: fence as TagFence } : {}),
          })),
        ),
    };
    stores.set(cache, store);
  }
  return store as LoaderCacheStore<V>;
}

/**
 * After a write commits: invalidates loader cache keys on every tier and instance — deletes the
 * entries and moves their tags, so a read that loaded the old row before the write does not store
 * it afterwards (its `mset` is fenced on those tags).
 *
 * `againAfterMs` (`replicaSettleMs` of the storage): moves the tags once more when every replica
 * reads may go to has replayed the write. Another caller's read that starts after the write can
 * still hit a replica that has not replayed it yet and store the old row, un-fenced, for the
 * whole TTL; the second invalidation drops such an entry (and fences such a read still running),
 * so an old row outlives the write by at most the replica lag bound, as it would without a cache.
 */
export async function invalidateLoaderKeys(
  cache: MultiTierCache,
  keys: readonly string[],
  options: { againAfterMs?: number } = {},
): Promise<void> {
  if (keys.length === 0) return;
  const tags = keys.map(loaderKeyTag);
  await Promise.all([cache.invalidateByTag(tags), cache.delete(keys)]);
  if (options.againAfterMs && options.againAfterMs > 0)
    setTimeout(() => void cache.invalidateByTag(tags).catch(() => {}), options.againAfterMs).unref();
}
