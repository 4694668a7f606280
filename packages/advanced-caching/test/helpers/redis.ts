import { randomBytes } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { Redis, type RedisOptions } from 'ioredis';

/** A client on the shared test Redis; every test uses its own key prefix. */
export function testRedis(options: RedisOptions = {}): Redis {
  return new Redis(serviceUrls().redis, { maxRetriesPerRequest: 1, ...options });
}

/** A prefix no other test (or test run) uses. */
export function uniquePrefix(label: string): string {
  return `igtest:cache:${label}:${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (tests clean up after themselves on the shared server). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
