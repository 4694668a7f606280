import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { startTestGateway } from './fixtures/test-gateway.js';

describe('GCRA rate limiter on Redis', () => {
  it('shares one budget between two limiters (two gateway instances)', async () => {
    const a = createRedisRateLimiter({ url: serviceUrls().redis });
    const b = createRedisRateLimiter({ url: serviceUrls().redis });
    try {
      const key = `test:${randomUUID()}`;
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push(await (i % 2 === 0 ? a : b).take(key, 1, 2));
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
      expect((await down.take('k', 1, 1)).allowed).toBe(true);
    } finally {
      await down.close?.();
    }
  });
});
