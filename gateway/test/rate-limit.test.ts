import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../src/rate-limit/rate-limiter.js';
import { startTestGateway } from './fixtures/test-gateway.js';

describe('GCRA rate limiter (in memory)', () => {
  it('allows the burst, then one request per interval, and says when to retry', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.take('k', 2, 3));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.retryAfterMs).toBe(500);
    now += 500;
    expect((await limiter.take('k', 2, 3)).allowed).toBe(true);
    expect((await limiter.take('k', 2, 3)).allowed).toBe(false);
    expect((await limiter.take('other', 2, 3)).allowed).toBe(true);
  });
});

describe('rate limits at the gateway', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a client exceeds its rate', async () => {
    await using gw = await startTestGateway({ RATE_LIMIT_CLIENT_PER_SEC: '1', RATE_LIMIT_BURST: '2' });
    const statuses = [];
    let limited: Awaited<ReturnType<typeof gw.post>> | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await gw.post({ query: '{ me { id } }' });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(limited!.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'client' });
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
