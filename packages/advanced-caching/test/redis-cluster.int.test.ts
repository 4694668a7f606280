import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheInvalidator, MultiTierCache } from '../src/index.js';
import { EntryCodec } from '../src/serialization/entry-codec.js';
import { jsonSerializer } from '../src/serialization/serializer.js';
import { RedisKeys } from '../src/stores/redis-keys.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { runCacheStoreContract } from './contract/cache-store.contract.js';
import { runReadThroughContract } from './contract/read-through.contract.js';
import { OwnRedisCluster } from './helpers/own-redis-cluster.js';
import { uniquePrefix } from './helpers/redis.js';

/*
 * The L2 code paths for an ioredis Cluster client, against a real three-master Redis Cluster
 * started by this file (never the shared server).
 */
let cluster: OwnRedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await OwnRedisCluster.start();
  client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
  });
}, 60_000);

/** Polls until `check` passes (pub/sub delivery is asynchronous), failing after 3 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

const codec = new EntryCodec({
  serializer: jsonSerializer,
  compressionThreshold: 1024,
  compressionAlgorithm: 'deflate',
});
runCacheStoreContract('RedisStore (L2 on a Redis Cluster)', async () => ({
  store: new RedisStore(client, codec, new RedisKeys(uniquePrefix('cluster-store')), 3_600_000),
  close: async () => {},
}));

runReadThroughContract('L1 + Redis Cluster (two instances)', async () => {
  const prefix = uniquePrefix('cluster-rt');
  const cache = new MultiTierCache({ prefix, l2: { redis: client } });
  const peer = new MultiTierCache({ prefix, l2: { redis: client } });
  await Promise.all([cache.ready(), peer.ready()]);
  return {
    cache,
    peer,
    close: async () => {
      await cache.close();
      await peer.close();
    },
  };
});

describe('MultiTierCache on a Redis Cluster', () => {
  it('spreads keys over the masters and reads them back with mget', async () => {
    const prefix = uniquePrefix('cluster');
    const a = new MultiTierCache({ prefix, l2: { redis: client } });
    const b = new MultiTierCache({ prefix, l2: { redis: client } });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const keys = Array.from({ length: 60 }, (_, i) => `entity:${i}`);
      await a.mset(keys.map((key, i) => ({ key, value: i, tags: ['entities'] })));
      const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
      expect(perNode.filter((n) => n > 0).length).toBe(3);
      expect(await b.mget(keys)).toEqual(keys.map((_, i) => i));
      await b.invalidateByTag('entities');
      // b judges by the version it just bumped; a learns it over pub/sub (asynchronous).
      expect(await b.mget(keys.slice(0, 3))).toEqual([undefined, undefined, undefined]);
      await eventually(async () =>
        expect(await a.mget(keys.slice(0, 3))).toEqual([undefined, undefined, undefined]),
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('single-flights a cold key across instances through the lock and the fenced write', async () => {
    const prefix = uniquePrefix('cluster-lock');
    const caches = Array.from({ length: 3 }, () => new MultiTierCache({ prefix, l2: { redis: client } }));
    try {
      await Promise.all(caches.map((c) => c.ready()));
      let calls = 0;
      const loader = async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return 'loaded once';
      };
      const results = await Promise.all(
        caches.flatMap((c) => Array.from({ length: 50 }, () => c.getOrSet('cold', loader))),
      );
      expect(new Set(results)).toEqual(new Set(['loaded once']));
      expect(calls).toBe(1);
    } finally {
      for (const c of caches) await c.close();
    }
  });

  it('evicts other instances’ L1 copies and follows dependencies', async () => {
    const prefix = uniquePrefix('cluster-bus');
    const a = new MultiTierCache({ prefix, l2: { redis: client } });
    const b = new MultiTierCache({ prefix, l2: { redis: client } });
    try {
      await Promise.all([a.ready(), b.ready()]);
      await a.set('k', 'v1');
      expect(await b.get('k')).toBe('v1');
      await a.set('k', 'v2');
      await eventually(async () => expect(b.peek('k')).toBeUndefined());
      expect(await b.get('k')).toBe('v2');
      const inv = new CacheInvalidator(a, client);
      await a.mset([
        { key: 'investigation:1', value: 'inv' },
        { key: 'entity:2', value: 'ent' },
      ]);
      await inv.registerDependency('investigation:1', 'entity:2');
      expect(new Set(await new CacheInvalidator(b, client).invalidate('entity:2'))).toEqual(
        new Set(['entity:2', 'investigation:1']),
      );
      expect(await b.mget(['investigation:1', 'entity:2'])).toEqual([undefined, undefined]);
      await eventually(async () =>
        expect(await a.mget(['investigation:1', 'entity:2'])).toEqual([undefined, undefined]),
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
