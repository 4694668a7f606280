import { randomBytes } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { MultiTierCache } from '../src/index.js';

/** The tier layouts every scenario compares, built the same way for both libraries. */
export type Layout = 'l1' | 'tiered' | 'l2';

export interface Pair {
  readonly ours: MultiTierCache;
  readonly bento: BentoCache<{ cache: ReturnType<typeof bentostore> }>;
  close(): Promise<void>;
}

export const L1_ENTRIES = 10_000;
const TTL_SECONDS = 3600;

export function benchRedis(): Redis {
  return new Redis(serviceUrls().redis);
}

/**
 * Same configuration on both sides: L1 an LRU of 10,000 entries holding live objects (bentocache
 * `serialize: false`, like ours), L2 the same Redis through one ioredis client, a pub/sub bus for
 * the tiered layout, TTL one hour.
 */
export async function makePair(layout: Layout, bentoSerializeL1 = false): Promise<Pair> {
  // One client each, same options (bentocache closes its connection on disconnectAll).
  const redis = benchRedis();
  const bentoRedis = benchRedis();
  const prefix = `igbench:${layout}:${randomBytes(4).toString('hex')}`;
  const withL1 = layout !== 'l2';
  const withL2 = layout !== 'l1';
  const ours = new MultiTierCache({
    prefix: `${prefix}:ours`,
    defaultTTL: TTL_SECONDS,
    l1: { enabled: withL1, maxSize: L1_ENTRIES },
    ...(withL2 ? { l2: { redis } } : {}),
    crossInstanceInvalidation: layout === 'tiered',
  });
  let store = bentostore();
  if (withL1) store = store.useL1Layer(memoryDriver({ maxItems: L1_ENTRIES, serialize: bentoSerializeL1 }));
  if (withL2) store = store.useL2Layer(redisDriver({ connection: bentoRedis }));
  if (layout === 'tiered') {
    const url = new URL(serviceUrls().redis);
    store = store.useBus(
      redisBusDriver({ connection: { host: url.hostname, port: Number(url.port || 6379) } }),
    );
  }
  const bento = new BentoCache({
    default: 'cache',
    prefix: `${prefix}:bento`,
    ttl: `${TTL_SECONDS}s`,
    stores: { cache: store },
  });
  await ours.ready();
  return {
    ours,
    bento,
    close: async () => {
      await ours.close();
      await bento.disconnectAll().catch(() => {});
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      bentoRedis.disconnect();
    },
  };
}

export function entity(i: number): {
  id: string;
  name: string;
  kind: string;
  attributes: Record<string, string>;
} {
  return {
    id: `entity:${i}`,
    name: `Entity number ${i}`,
    kind: 'organisation',
    attributes: { country: 'NL', sector: 'logistics' },
  };
}
