import { type BatchLoad, MultiTierCache, type TagFence } from '../../src/index.js';
import { check, compare, type Measured, type MeasureOptions } from '../harness.js';
import { benchRedis, entity } from '../setup.js';

/**
 * A batch of 100 keys read through the cache (L1 + Redis, bus on), as the loaders and the entity
 * cache do: `readThrough` against the hand-rolled sequence it replaced (mget → fence → load the
 * misses → fenced mset, no single-flight, no lock) on the same cache, rounds interleaved.
 *  - `hot`: every key cached (the common case: one L1 lookup per key);
 *  - `cold`: every key new (each op reads 100 keys never seen: the full miss path, which for
 *    `readThrough` includes the cross-process lock on every key and its fenced write).
 */
export async function readThrough100(
  temperature: 'hot' | 'cold',
  options?: MeasureOptions,
): Promise<Measured[]> {
  const redis = benchRedis();
  const cache = new MultiTierCache({
    prefix: `igbench:rt:${temperature}:${Date.now().toString(36)}`,
    l1: { maxSize: 200_000 },
    l2: { redis },
  });
  await cache.ready();
  let round = 0;
  const keysOf = (): string[] =>
    temperature === 'hot'
      ? Array.from({ length: 100 }, (_, i) => `entity:${i}`)
      : Array.from({ length: 100 }, (_, i) => `entity:${round}:${i}`);
  const tags = (key: string) => [`Entity:${key}`];
  const load: BatchLoad<ReturnType<typeof entity>> = async (misses) =>
    new Map(misses.map((m, i) => [m.key, entity(i)]));
  try {
    if (temperature === 'hot') await cache.readThrough(keysOf(), load, { ttl: 3600, tags });
    return await compare(
      [
        {
          name: 'ours readThrough(100)',
          op: async () => {
            round++;
            const { values } = await cache.readThrough(keysOf(), load, { ttl: 3600, tags });
            check(values.length === 100 && values[99] !== undefined, 'readThrough');
          },
        },
        {
          name: 'hand-rolled mget → fence → load → mset',
          op: async () => {
            round++;
            const keys = keysOf();
            const values = await cache.mget(keys);
            const misses = keys.filter((_, i) => values[i] === undefined);
            if (misses.length > 0) {
              const fence: TagFence = await cache.fence(misses.flatMap(tags));
              const loaded = await load(misses.map((key) => ({ key, previous: undefined })));
              await cache.mset(
                misses.map((key) => ({ key, value: loaded.get(key), ttl: 3600, tags: tags(key), fence })),
              );
              misses.forEach((key) => {
                values[keys.indexOf(key)] = loaded.get(key);
              });
            }
            check(values.length === 100 && values[99] !== undefined, 'hand-rolled');
          },
        },
      ],
      { rounds: 5, roundMs: 600, warmupMs: 300, ...options },
    );
  } finally {
    await cache.close();
    redis.disconnect();
  }
}
