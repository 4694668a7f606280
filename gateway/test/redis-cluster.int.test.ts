import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedisCluster } from '../../packages/advanced-caching/test/helpers/own-redis-cluster.js';
import { sha256Hex } from '../src/persisted/persisted-manifest.js';
import { createRedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { type ClassicSubgraphs, startClassicSubgraphs } from './fixtures/classic-subgraphs.js';
import { startTestGateway } from './fixtures/test-gateway.js';

/*
 * The gateway's Redis users (rate limiter, APQ store) with REDIS_URL + REDIS_CLUSTER=true, against
 * a real three-master Redis Cluster started once by this file. REDIS_URL names one master only,
 * as production's does: keys owned by the other two are reached only through a Cluster client.
 */
let cluster: OwnRedisCluster;
let subgraphs: ClassicSubgraphs;
let seedUrl: string;

beforeAll(async () => {
  [cluster, subgraphs] = await Promise.all([OwnRedisCluster.start(), startClassicSubgraphs()]);
  seedUrl = `redis://127.0.0.1:${cluster.ports[0]}`;
}, 60_000);

afterAll(async () => {
  await subgraphs?.stop();
  await cluster?.stop();
});

/** Whether the seed node itself serves `key` (a single-node client would get MOVED otherwise). */
async function seedOwns(key: string): Promise<boolean> {
  const seed = new Redis(seedUrl, { maxRetriesPerRequest: 0 });
  try {
    await seed.get(key);
    return true;
  } catch (error) {
    if (/MOVED/.test(String(error))) return false;
    throw error;
  } finally {
    seed.disconnect();
  }
}

function clusterGateway(env: Record<string, string> = {}) {
  return startTestGateway({ REDIS_URL: seedUrl, REDIS_CLUSTER: 'true', ...env }, {}, subgraphs);
}

describe('gateway on a Redis Cluster (REDIS_CLUSTER=true)', () => {
  it('limits a tenant across two gateway instances, and refuses with 429', async () => {
    // A tenant whose rate key lives on another master than the one REDIS_URL names.
    let tenant = '';
    for (let i = 0; !tenant; i++) {
      if (!(await seedOwns(`intelgraph:gateway:rl:tenant:{t${i}}`))) tenant = `t${i}`;
    }
    const env = { RATE_LIMIT_TENANT_PER_SEC: '1', RATE_LIMIT_BURST: '1', ANONYMOUS_TENANT: tenant };
    await using a = await clusterGateway(env);
    await using b = await clusterGateway(env);
    const first = await a.post({ query: '{ me { id } }' });
    const second = await b.post({ query: '{ me { id } }' });
    expect(first.status).toBe(200);
    expect([second.status, second.body.errors[0].extensions.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('the limiter counts keys on every master, and fails open when the cluster is unreachable', async () => {
    const a = createRedisRateLimiter({ url: seedUrl, cluster: true });
    const b = createRedisRateLimiter({ url: seedUrl, cluster: true });
    const down = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', cluster: true });
    try {
      const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
      for (const key of keys) {
        expect((await a.take([{ key, perSecond: 1, burst: 1 }])).allowed).toBe(true);
        expect((await b.take([{ key, perSecond: 1, burst: 1 }])).allowed).toBe(false);
      }
      // Client and tenant keys of one take share the tenant's hash tag, so one script can hold both.
      for (let i = 0; i < 6; i++) {
        const limits = [
          { key: `client:{t${i}}:user:u`, perSecond: 1, burst: 1 },
          { key: `tenant:{t${i}}`, perSecond: 1, burst: 5 },
        ];
        expect((await a.take(limits)).allowed).toBe(true);
        expect(await b.take(limits)).toMatchObject({ allowed: false, refusedBy: 0 });
      }
      expect(await a.readiness?.()).toBeUndefined();
      const started = Date.now();
      expect((await down.take([{ key: 'k', perSecond: 1, burst: 1 }])).allowed).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await down.readiness?.()).toMatch(/^redis is /);
    } finally {
      await Promise.all([a.close?.(), b.close?.(), down.close?.()]);
    }
  });

  it('serves on one gateway instance the responses cached by another, from the cluster L2', async () => {
    const env = { CACHE_RESPONSES: 'true', CACHE_DEFAULT_MAX_AGE: '60' };
    await using a = await clusterGateway(env);
    await using b = await clusterGateway(env);
    // Distinct operations, so their entries spread over the three masters.
    const queries = Array.from({ length: 6 }, (_, i) => `{ cached${i}: me { id } }`);
    for (const query of queries)
      expect((await a.post({ query })).body.data).toEqual({ [query.slice(2, 9)]: { id: '1' } });
    const calls = () => subgraphs.all.reduce((n, s) => n + s.calls, 0);
    const before = calls();
    for (const query of queries)
      expect((await b.post({ query })).body.data).toEqual({ [query.slice(2, 9)]: { id: '1' } });
    expect(calls()).toBe(before);
  });

  it('finds on one gateway instance the persisted queries registered on another', async () => {
    // Fixed queries: their entries land on every master (the file's cluster is fresh each run).
    const queries = Array.from({ length: 6 }, (_, i) => `{ me { id } __typename # cluster apq ${i}\n}`);
    await using a = await clusterGateway();
    await using b = await clusterGateway();
    for (const query of queries) {
      const ext = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
      expect((await b.post({ extensions: ext })).body.errors[0].extensions.code).toBe(
        'PERSISTED_QUERY_NOT_FOUND',
      );
      expect((await a.post({ query, extensions: ext })).body.data.me.id).toBe('1');
    }
    for (const query of queries) {
      const ext = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
      expect((await b.post({ extensions: ext })).body).toEqual({
        data: { me: { id: '1' }, __typename: 'Query' },
      });
    }
  });
});
