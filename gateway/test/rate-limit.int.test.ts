import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { rateLimiterContract } from './fixtures/rate-limiter-contract.js';
import { startTestGateway } from './fixtures/test-gateway.js';

rateLimiterContract('Redis', () => createRedisRateLimiter({ url: serviceUrls().redis }));

describe('GCRA rate limiter on Redis', () => {
  it('shares one budget between two limiters (two gateway instances)', async () => {
    const a = createRedisRateLimiter({ url: serviceUrls().redis });
    const b = createRedisRateLimiter({ url: serviceUrls().redis });
    try {
      const key = `test:${randomUUID()}`;
      const decisions = [];
      for (let i = 0; i < 3; i++)
        decisions.push(await (i % 2 === 0 ? a : b).take([{ key, perSecond: 1, burst: 2 }]));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
      expect(decisions[2]!.retryAfterMs).toBeGreaterThan(0);
      expect(decisions[2]!.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(await a.readiness?.()).toBeUndefined();
    } finally {
      await a.close?.();
      await b.close?.();
    }
  });

  it('limits a tenant across the gateway with REDIS_URL, and lets requests through when Redis is unreachable', async () => {
    await using gw = await startTestGateway({
      REDIS_URL: serviceUrls().redis,
      RATE_LIMIT_TENANT_PER_SEC: '1',
      RATE_LIMIT_BURST: '1',
      ANONYMOUS_TENANT: `t${randomUUID().slice(0, 8)}`,
    });
    const first = await gw.post({ query: '{ me { id } }' });
    const second = await gw.post({ query: '{ me { id } }' });
    expect(first.status).toBe(200);
    expect([second.status, second.body.errors[0].extensions.code]).toEqual([429, 'RATE_LIMITED']);

    const down = createRedisRateLimiter({ url: 'redis://127.0.0.1:1' });
    try {
      expect((await down.take([{ key: 'k', perSecond: 1, burst: 1 }])).allowed).toBe(true);
    } finally {
      await down.close?.();
    }
  });

  it('never refuses a well-behaved client while another client of its tenant floods two gateway instances', async () => {
    const secret = 'j'.repeat(40);
    const tenant = `t${randomUUID().slice(0, 8)}`;
    const bearer = async (user: string) => ({
      authorization: `Bearer ${await new SignJWT({ tenant })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret))}`,
    });
    const env = {
      REDIS_URL: serviceUrls().redis,
      JWT_SECRET: secret,
      RATE_LIMIT_CLIENT_PER_SEC: '2',
      RATE_LIMIT_TENANT_PER_SEC: '100',
      RATE_LIMIT_BURST: '10',
    };
    await using a = await startTestGateway(env);
    await using b = await startTestGateway(env, {}, a.subgraphs);
    const abuser = await bearer('abuser');
    const good = await bearer('good');
    const query = { query: '{ __typename }' };
    const flood = Promise.all(
      Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? a : b).post(query, abuser)),
    );
    const goodStatuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      goodStatuses.push((await (i % 2 === 0 ? b : a).post(query, good)).status);
      await new Promise((r) => setTimeout(r, 10));
    }
    const flooded = await flood;
    expect(goodStatuses).toEqual(Array(8).fill(200));
    expect(flooded.filter((r) => r.status === 200).length).toBeLessThanOrEqual(12);
    for (const r of flooded.filter((r) => r.status === 429))
      expect(r.body.errors[0].extensions.scope).toBe('client');
  });
});
