import { createRedisClient, MultiTierCache } from '@intelgraph/advanced-caching';
import type { ApqStore } from './apq-store.js';

export interface MultiTierApqStore extends ApqStore {
  close(): Promise<void>;
}

/**
 * APQ on the platform cache: L1 in process, plus Redis L2 when `redisUrl` is set (one node of a
 * Redis Cluster with `redisCluster`), so a query
 * registered on one gateway instance is found by every other. Entries live a day (`ttlSeconds`);
 * an expired hash is simply re-registered by the client (the APQ protocol's normal miss).
 */
export function createMultiTierApqStore(
  options: { redisUrl?: string | undefined; redisCluster?: boolean; ttlSeconds?: number } = {},
): MultiTierApqStore {
  const ttl = options.ttlSeconds ?? 86_400;
  const redis = options.redisUrl
    ? createRedisClient(
        { url: options.redisUrl, cluster: options.redisCluster ?? false },
        { maxRetriesPerRequest: 1 },
      )
    : undefined;
  redis?.on('error', () => {});
  const cache = new MultiTierCache({
    l1: { enabled: true, maxSize: 10_000, ttl },
    l2: redis ? { enabled: true, redis, ttl } : { enabled: false },
    defaultTTL: ttl,
  });
  const ns = cache.namespace('gateway:apq');
  return {
    get: (hash) => ns.get<string>(hash),
    set: (hash, query) => ns.set(hash, query, { ttl }),
    async close() {
      await cache.close();
      redis?.disconnect();
    },
  };
}
