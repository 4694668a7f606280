import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ClientAddressResolver } from '../src/rate-limit/client-address.js';
import { createMemoryRateLimiter } from '../src/rate-limit/rate-limiter.js';
import { rateLimiterContract } from './fixtures/rate-limiter-contract.js';
import { startTestGateway } from './fixtures/test-gateway.js';

describe('GCRA rate limiter (in memory)', () => {
  it('allows the burst, then one request per interval, and says when to retry', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const k = [{ key: 'k', perSecond: 2, burst: 3 }];
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.take(k));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.retryAfterMs).toBe(500);
    now += 500;
    expect((await limiter.take(k)).allowed).toBe(true);
    expect((await limiter.take(k)).allowed).toBe(false);
    expect((await limiter.take([{ key: 'other', perSecond: 2, burst: 3 }])).allowed).toBe(true);
  });
});

rateLimiterContract('in memory', () => createMemoryRateLimiter());

function peer(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('client address (TRUSTED_PROXIES)', () => {
  it('uses the socket peer, ignoring X-Forwarded-For, when no proxy is trusted', () => {
    const none = new ClientAddressResolver();
    expect(none.clientAddress(peer('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
    expect(none.clientAddress(peer('::ffff:203.0.113.9'))).toBe('203.0.113.9');
  });

  it('reads X-Forwarded-For from the right, only through trusted proxies', () => {
    const r = new ClientAddressResolver(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    // An untrusted peer's header is ignored altogether.
    expect(r.clientAddress(peer('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
    expect(r.clientAddress(peer('127.0.0.1', '198.51.100.1'))).toBe('198.51.100.1');
    expect(r.clientAddress(peer('::ffff:127.0.0.1', '198.51.100.1, 10.1.2.3'))).toBe('198.51.100.1');
    // A client's own forged entries sit left of the address the proxy saw: never reached.
    expect(r.clientAddress(peer('127.0.0.1', '1.1.1.1, 198.51.100.1'))).toBe('198.51.100.1');
    expect(r.clientAddress(peer('fd00::1', '2001:db8::7'))).toBe('2001:db8::7');
    // Garbage where a proxy writes addresses: stop at the last known hop.
    expect(r.clientAddress(peer('127.0.0.1', 'not-an-ip, 10.0.0.5'))).toBe('10.0.0.5');
    expect(r.clientAddress(peer('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('refuses an entry that is not an address or CIDR', () => {
    expect(() => new ClientAddressResolver(['10.0.0.0/33'])).toThrow(/TRUSTED_PROXIES/);
    expect(() => new ClientAddressResolver(['proxy.local'])).toThrow(/TRUSTED_PROXIES/);
  });
});

const JWT_SECRET = 'j'.repeat(40);
const bearer = async (tenant: string, user: string) => ({
  authorization: `Bearer ${await new SignJWT({ tenant })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET))}`,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('never refuses a well-behaved client while another client of its tenant floods the gateway', async () => {
    await using gw = await startTestGateway({
      JWT_SECRET,
      RATE_LIMIT_CLIENT_PER_SEC: '2',
      RATE_LIMIT_TENANT_PER_SEC: '100',
      RATE_LIMIT_BURST: '10',
    });
    const abuser = await bearer('acme', 'abuser');
    const good = await bearer('acme', 'good');
    const query = { query: '{ __typename }' };
    const flood = Promise.all(Array.from({ length: 150 }, () => gw.post(query, abuser)));
    const goodStatuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      goodStatuses.push((await gw.post(query, good)).status);
      await sleep(10);
    }
    const flooded = await flood;
    expect(goodStatuses).toEqual(Array(8).fill(200));
    const refused = flooded.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(100);
    for (const r of refused) expect(r.body.errors[0].extensions.scope).toBe('client');
  });

  it('gives anonymous clients at different addresses their own budgets, trusting X-Forwarded-For only from TRUSTED_PROXIES', async () => {
    const env = { RATE_LIMIT_CLIENT_PER_SEC: '1', RATE_LIMIT_BURST: '2' };
    const query = { query: '{ __typename }' };
    const xff = (address: string) => ({ 'x-forwarded-for': address });
    {
      await using gw = await startTestGateway({ ...env, TRUSTED_PROXIES: '127.0.0.1/32,::1' });
      const a = [];
      for (let i = 0; i < 3; i++) a.push((await gw.post(query, xff('203.0.113.1'))).status);
      expect(a).toEqual([200, 200, 429]);
      expect((await gw.post(query, xff('203.0.113.2'))).status).toBe(200);
      // A client prepending a forged address is still counted at the address the proxy saw.
      expect((await gw.post(query, xff('198.51.100.50, 203.0.113.1'))).status).toBe(429);
    }
    {
      // Loopback is not a trusted proxy here: the forged header is ignored, one budget for all.
      await using gw = await startTestGateway({ ...env, TRUSTED_PROXIES: '10.0.0.0/8' });
      const statuses = [];
      for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
        statuses.push((await gw.post(query, xff(address))).status);
      expect(statuses).toEqual([200, 200, 429]);
    }
  });
});
