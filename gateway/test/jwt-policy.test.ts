import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksKeySet } from '../src/security/jwks-key-set.js';
import { startTestGateway } from './fixtures/test-gateway.js';

/*
 * The token policy: `exp` required unless JWT_REQUIRE_EXP=false, JWT_CLOCK_SKEW_S for exp/nbf,
 * and a JWKS outage answered as what it is — 503 AUTH_UNAVAILABLE and /ready false — not as 401
 * for valid tokens, with the last good key set used for at most JWKS_MAX_STALE_S.
 */

const SECRET = 'k'.repeat(40);
const key = new TextEncoder().encode(SECRET);
const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const now = () => Math.floor(Date.now() / 1000);

describe('exp and clock skew', () => {
  const noExp = () =>
    new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(key);
  const expiredBy = (seconds: number) =>
    new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime(now() - seconds)
      .sign(key);

  it('refuses a token without exp by default (401 INVALID_TOKEN naming the claim)', async () => {
    await using gw = await startTestGateway({ JWT_SECRET: SECRET });
    const res = await gw.post({ query: '{ me { id } }' }, bearer(await noExp()));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'INVALID_TOKEN',
      reason: 'exp claim missing',
    });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('JWT_REQUIRE_EXP=false accepts it', async () => {
    await using gw = await startTestGateway({ JWT_SECRET: SECRET, JWT_REQUIRE_EXP: 'false' });
    expect((await gw.post({ query: '{ me { id } }' }, bearer(await noExp()))).status).toBe(200);
  });

  it('JWT_CLOCK_SKEW_S bounds how late an expired token is still taken (default 30 s)', async () => {
    const token = await expiredBy(10);
    await using lenient = await startTestGateway({ JWT_SECRET: SECRET });
    expect((await lenient.post({ query: '{ me { id } }' }, bearer(token))).status).toBe(200);
    await using strict = await startTestGateway({ JWT_SECRET: SECRET, JWT_CLOCK_SKEW_S: '0' });
    const res = await strict.post({ query: '{ me { id } }' }, bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.reason).toBe('expired');
  });
});

/** A JWKS endpoint that can be switched off (connection refused) and on again on the same port. */
class JwksServer {
  #server: Server | undefined;
  #port = 0;
  status = 200;
  constructor(readonly keys: JWK[]) {}
  get url(): string {
    return `http://127.0.0.1:${this.#port}/.well-known/jwks.json`;
  }
  async up(): Promise<void> {
    this.#server = createServer((_req, res) => {
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(this.status === 200 ? JSON.stringify({ keys: this.keys }) : 'unavailable');
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

describe('a JWKS that cannot be fetched', () => {
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let jwks: JwksServer;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwks = new JwksServer([{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }]);
    await jwks.up();
  });
  afterAll(() => jwks.down());
  const sign = () =>
    new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('u')
      .setExpirationTime('5m')
      .sign(privateKey);

  it('answers 503 AUTH_UNAVAILABLE (not 401) and /ready is false; once it is back, 200 and ready', async () => {
    await jwks.down();
    // No verified-token cache: every request needs the key set.
    await using gw = await startTestGateway({ JWT_JWKS_URL: jwks.url, JWT_CACHE_MAX_ENTRIES: '0' });
    const res = await gw.post({ query: '{ me { id } }' }, bearer(await sign()));
    expect(res.status).toBe(503);
    expect(code(res.body)).toBe('AUTH_UNAVAILABLE');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const ready = await fetch(`${gw.origin}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/JWKS/);
    // A token that is no JWT at all is still the caller's mistake.
    expect((await gw.post({ query: '{ me { id } }' }, bearer('not-a-jwt'))).status).toBe(401);

    await jwks.up();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await gw.post({ query: '{ me { id } }' }, bearer(await sign()))).status;
    }
    expect(status).toBe(200);
    expect((await fetch(`${gw.origin}/ready`)).status).toBe(200);
  });
});

describe('JwksKeySet', () => {
  async function setup(options: { refreshMs: number; maxStaleMs: number }) {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    let clock = 1_000_000;
    let up = true;
    let fetches = 0;
    const keySet = new JwksKeySet({
      url: 'https://issuer.test/jwks.json',
      refreshIntervalMs: options.refreshMs,
      maxStaleMs: options.maxStaleMs,
      retryMs: 0,
      now: () => clock,
      fetch: async () => {
        fetches++;
        if (!up) throw new TypeError('fetch failed: connect ECONNREFUSED');
        return new Response(JSON.stringify({ keys: [jwk] }), { status: 200 });
      },
    });
    const header = { alg: 'ES256', kid: 'k1' };
    const token = { payload: '', signature: '' } as never;
    return {
      keySet,
      getKey: () => keySet.getKey(header, token),
      advance: (ms: number) => {
        clock += ms;
      },
      setUp: (value: boolean) => {
        up = value;
      },
      fetches: () => fetches,
    };
  }

  it('keeps the last good key set while the JWKS is down, for at most maxStaleMs after its last fetch', async () => {
    const t = await setup({ refreshMs: 60_000, maxStaleMs: 600_000 });
    await expect(t.getKey()).resolves.toBeDefined();
    expect(await t.keySet.readiness()).toBeUndefined();
    t.setUp(false);
    t.advance(120_000); // past the refresh interval: a background refresh fails, the old set serves
    await expect(t.getKey()).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.fetches()).toBe(2);
    expect(await t.keySet.readiness()).toBeUndefined();
    t.advance(500_000); // 620 s after the last good fetch
    await expect(t.getKey()).rejects.toMatchObject({ code: 'AUTH_UNAVAILABLE', httpStatus: 503 });
    expect(await t.keySet.readiness()).toMatch(/JWKS .*ECONNREFUSED/);
    t.setUp(true);
    await expect(t.getKey()).resolves.toBeDefined();
    expect(await t.keySet.readiness()).toBeUndefined();
  });

  it('refreshes a set older than the refresh interval without making the request wait', async () => {
    const t = await setup({ refreshMs: 60_000, maxStaleMs: 600_000 });
    await t.getKey();
    t.advance(30_000);
    await t.getKey();
    expect(t.fetches()).toBe(1);
    t.advance(40_000);
    await t.getKey();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.fetches()).toBe(2);
  });

  it('shares one fetch between concurrent requests', async () => {
    const t = await setup({ refreshMs: 60_000, maxStaleMs: 600_000 });
    await Promise.all(Array.from({ length: 10 }, () => t.getKey()));
    expect(t.fetches()).toBe(1);
  });
});
