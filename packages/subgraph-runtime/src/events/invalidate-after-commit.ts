import type { MultiTierCache } from '@intelgraph/advanced-caching';

/**
 * After a write commits: invalidates its tags in the service's cache, on every tier and instance
 * (the tags' versions move, so the loader entries tagged with them stop being served and a read
 * that loaded the old row before the write does not store it afterwards: its write is fenced on
 * those tags).
 *
 * `againAfterMs` (`replicaSettleMs` of the storage): moves the tags once more when every replica
 * reads may go to has replayed the write. Another caller's read that starts after the write can
 * still hit a replica that has not replayed it yet and store the old row, un-fenced, for the
 * whole TTL; the second invalidation drops such an entry (and fences such a read still running),
 * so an old row outlives the write by at most the replica lag bound, as it would without a cache.
 * A cache failure is not the write's failure: the cache degrades by itself (see MultiTierCache).
 */
export async function invalidateAfterCommit(
  cache: MultiTierCache,
  tags: readonly string[],
  options: { againAfterMs?: number } = {},
): Promise<void> {
  if (tags.length === 0) return;
  await cache.invalidateByTag(tags).catch(() => {});
  if (options.againAfterMs && options.againAfterMs > 0)
    setTimeout(() => void cache.invalidateByTag(tags).catch(() => {}), options.againAfterMs).unref();
}
