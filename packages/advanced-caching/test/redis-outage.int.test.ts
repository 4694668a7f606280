import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultiTierCache } from '../src/index.js';
import { OwnRedisServer } from './helpers/own-redis-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: OwnRedisServer;
beforeAll(async () => {
  server = await OwnRedisServer.start();
});
afterAll(async () => {
  server.thaw();
  await server.stop();
});

/** Keeps calling the cache the way a service would, recording any error a caller sees. */
function traffic(cache: MultiTierCache) {
  const errors: unknown[] = [];
  let running = true;
  let ops = 0;
  let loads = 0;
  const loop = (async () => {
    let i = 0;
    while (running) {
      i++;
      const key = `k${i % 50}`;
      try {
        await Promise.all([
          cache.getOrSet(key, () => {
            loads++;
            return { key, i };
          }),
          cache.get(`k${(i + 7) % 50}`),
          cache.mget([`k${i % 10}`, `k${(i + 1) % 10}`]),
          i % 5 === 0 ? cache.set(`s${i % 20}`, i, { tags: ['t'] }) : undefined,
          i % 17 === 0 ? cache.delete(`s${i % 20}`) : undefined,
          i % 23 === 0 ? cache.invalidateByTag('t') : undefined,
        ]);
        ops++;
      } catch (error) {
        errors.push(error);
      }
      await sleep(2);
    }
  })();
  return {
    errors,
    get ops() {
      return ops;
    },
    get loads() {
      return loads;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

describe('Redis taken away mid-run', () => {
  it('callers never see an error while Redis is down, and the cache recovers when it returns', async () => {
    await server.ensureRunning();
    // A client as services create it: ioredis defaults (offline queue, 20 retries per request).
    const redis = new Redis(server.url);
    redis.on('error', () => {});
    const cache = new MultiTierCache({
      prefix: 'outage',
      l2: { redis, timeoutMs: 200 },
      circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 200 },
    });
    // A second replica, idle: after the outage its pub/sub subscription must come back by itself.
    const replicaClient = new Redis(server.url);
    replicaClient.on('error', () => {});
    const replica = new MultiTierCache({ prefix: 'outage', l2: { redis: replicaClient } });
    await Promise.all([cache.ready(), replica.ready()]);
    const load = traffic(cache);
    try {
      await until(() => load.ops > 20);
      expect(cache.l2Available).toBe(true);

      await server.stop();
      const opsAtStop = load.ops;
      const loadsAtStop = load.loads;
      await until(() => !cache.l2Available);
      await until(() => load.ops > opsAtStop + 100);
      // A dropped connection is seen at once: calls skip Redis instead of each paying a failure
      // or a timeout, and keep being answered by L1 and the loader.
      const down = cache.stats().l2;
      expect(down.skipped).toBeGreaterThan(down.errors * 5);
      expect(load.loads).toBeGreaterThan(loadsAtStop);
      expect(load.errors).toEqual([]);

      await server.start();
      await until(() => cache.l2Available);
      const raw = new Redis(server.url);
      try {
        await cache.set('after-recovery', 'written to Redis again');
        expect(await raw.exists('outage:{after-recovery}')).toBe(1);
      } finally {
        raw.disconnect();
      }
      // Cross-instance eviction works again: a write here evicts the replica's L1 copy.
      await until(
        async () => (await replica.ready(100)) && (await replica.get('after-recovery')) !== undefined,
      );
      await cache.set('after-recovery', 'changed');
      await until(() => replica.peek('after-recovery') === undefined);
      expect(await replica.get('after-recovery')).toBe('changed');
      const opsAtRecovery = load.ops;
      await until(() => load.ops > opsAtRecovery + 20);
      expect(load.errors).toEqual([]);
    } finally {
      await load.stop();
      await cache.close();
      await replica.close();
      redis.disconnect();
      replicaClient.disconnect();
    }
  });

  it('a hung Redis costs each call at most the timeout until the breaker opens; writes made meanwhile reach Redis after', async () => {
    await server.ensureRunning();
    const redis = new Redis(server.url);
    redis.on('error', () => {});
    const prefix = 'hung';
    const a = new MultiTierCache({
      prefix,
      l2: { redis, timeoutMs: 150 },
      circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 1000 },
    });
    const observer = new Redis(server.url);
    try {
      await a.ready();
      await a.set('deleted-while-hung', 'old');
      await a.set('tagged', 'old', { tags: ['catalogue'] });

      server.freeze();
      const started = Date.now();
      const results = await Promise.all([
        a.getOrSet('fresh', () => 'from loader'),
        a.get('tagged'),
        a.delete('deleted-while-hung'),
        a.invalidateByTag('catalogue'),
      ]);
      expect(results[0]).toBe('from loader');
      expect(results[1]).toBe('old'); // L1 still answers
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await a.get('tagged')).toBeUndefined(); // invalidated locally at once
      expect(a.stats().l2.breaker).toBe('open');

      server.thaw();
      await until(async () => {
        await a.get('probe');
        return a.stats().l2.breaker === 'closed';
      });
      // What was invalidated while Redis hung is invalidated there too: another instance sees it.
      const b = new MultiTierCache({ prefix, l2: { redis: observer } });
      try {
        await until(
          async () =>
            (await b.get('deleted-while-hung')) === undefined && (await b.get('tagged')) === undefined,
        );
      } finally {
        await b.close();
      }
    } finally {
      server.thaw();
      await a.close();
      redis.disconnect();
      observer.disconnect();
    }
  });
});
