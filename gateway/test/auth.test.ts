import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentitySigner } from '@intelgraph/identity';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

const JWT_SECRET = 'j'.repeat(40);
const IDENTITY_SECRET = 'i'.repeat(40);
const secretKey = new TextEncoder().encode(JWT_SECRET);

function token(
  claims: Record<string, unknown> = {},
  options: { exp?: string; iss?: string; aud?: string } = {},
) {
  return new SignJWT({ tenant: 'acme', scope: 'read', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setIssuer(options.iss ?? 'https://issuer.test')
    .setAudience(options.aud ?? 'intelgraph')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(secretKey);
}

const code = (body: { errors?: { extensions?: { code?: string; reason?: string } }[] }) =>
  body.errors?.[0]?.extensions?.code;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('JWT auth with a configured key', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      JWT_SECRET,
      JWT_ISSUER: 'https://issuer.test',
      JWT_AUDIENCE: 'intelgraph',
      IDENTITY_SECRET,
    });
  });
  afterAll(() => gw.stop());

  it('refuses a request without a token (401 UNAUTHENTICATED)', async () => {
    const res = await gw.post({ query: '{ me { id } }' });
    expect(res.status).toBe(401);
    expect(code(res.body)).toBe('UNAUTHENTICATED');
  });

  it('serves a valid token and sends subgraphs a signed identity they can verify', async () => {
    const res = await gw.post({ query: '{ me { id } }' }, bearer(await token()));
    expect(res.status).toBe(200);
    expect(res.body.data.me.id).toBe('1');
    const header = gw.subgraphs.get('accounts').lastHeaders?.['x-intelgraph-identity'];
    const identity = new IdentitySigner({ secrets: [IDENTITY_SECRET] }).verify(header);
    expect(identity).toEqual({ tenantId: 'acme', userId: 'user-1', scopes: ['read'] });
  });

  it('sends each identity its own signed header when requests of several tenants and users interleave', async () => {
    const signer = new IdentitySigner({ secrets: [IDENTITY_SECRET] });
    const who = [
      { tenant: 'acme', sub: 'user-1' },
      { tenant: 'globex', sub: 'user-1' },
      { tenant: 'acme', sub: 'user-2' },
    ];
    const tokens = await Promise.all(
      who.map((w) =>
        new SignJWT({ tenant: w.tenant, scope: 'read' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(w.sub)
          .setIssuer('https://issuer.test')
          .setAudience('intelgraph')
          .setExpirationTime('5m')
          .sign(secretKey),
      ),
    );
    for (let round = 0; round < 3; round++) {
      for (const [i, w] of who.entries()) {
        const res = await gw.post({ query: '{ me { id } }' }, bearer(tokens[i]!));
        expect(res.status).toBe(200);
        const header = gw.subgraphs.get('accounts').lastHeaders?.['x-intelgraph-identity'];
        expect(signer.verify(header)).toEqual({ tenantId: w.tenant, userId: w.sub, scopes: ['read'] });
      }
    }
  });

  it('refuses every kind of invalid token with 401 INVALID_TOKEN', async () => {
    const [header, payload] = (await token()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const badSignature = `${header}.${payload}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    const otherKey = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://issuer.test')
      .setAudience('intelgraph')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('k'.repeat(40)));
    const cases: Record<string, string> = {
      expired: await token({}, { exp: '-10m' }),
      wrongIssuer: await token({}, { iss: 'https://evil.test' }),
      wrongAudience: await token({}, { aud: 'someone-else' }),
      algNone: none,
      badSignature,
      otherKey,
      noTenant: await token({ tenant: undefined }),
      garbage: 'not-a-jwt',
    };
    for (const [name, t] of Object.entries(cases)) {
      const res = await gw.post({ query: '{ me { id } }' }, bearer(t));
      expect([name, res.status, code(res.body)]).toEqual([name, 401, 'INVALID_TOKEN']);
    }
    const basic = await gw.post({ query: '{ me { id } }' }, { authorization: 'Basic dXNlcjpwYXNz' });
    expect([basic.status, code(basic.body)]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('enforces @requiresScopes: null with FORBIDDEN at its path without the scope, served with it', async () => {
    const denied = await gw.post({ query: '{ adminStats }' }, bearer(await token()));
    expect(denied.body.data).toEqual({ adminStats: null });
    expect(denied.body.errors[0]).toMatchObject({
      path: ['adminStats'],
      extensions: { code: 'FORBIDDEN', coordinate: 'Query.adminStats' },
    });
    const allowed = await gw.post({ query: '{ adminStats }' }, bearer(await token({ scope: 'read admin' })));
    expect(allowed.body).toEqual({ data: { adminStats: 42 } });
  });

  it('enforces @authenticated: a user token may read User.email', async () => {
    const res = await gw.post({ query: '{ me { email } }' }, bearer(await token()));
    expect(res.body).toEqual({ data: { me: { email: 'ada@example.com' } } });
  });
});

describe('anonymous access', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ JWT_SECRET, ALLOW_ANONYMOUS: 'true', IDENTITY_SECRET });
  });
  afterAll(() => gw.stop());

  it('serves requests without a token as the anonymous tenant', async () => {
    const res = await gw.post({ query: '{ me { id } }' });
    expect(res.status).toBe(200);
    const header = gw.subgraphs.get('accounts').lastHeaders?.['x-intelgraph-identity'];
    expect(new IdentitySigner({ secrets: [IDENTITY_SECRET] }).verify(header)).toEqual({
      tenantId: 'public',
      userId: undefined,
      scopes: [],
    });
  });

  it('still refuses an invalid token', async () => {
    const res = await gw.post({ query: '{ me { id } }' }, bearer('garbage'));
    expect(res.status).toBe(401);
    expect(code(res.body)).toBe('INVALID_TOKEN');
  });

  it('withholds @authenticated fields from anonymous requests and serves the rest', async () => {
    const res = await gw.post({ query: '{ me { id email } }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: { id: '1', email: null } });
    expect(res.body.errors[0]).toMatchObject({
      path: ['me', 'email'],
      extensions: { code: 'UNAUTHENTICATED', coordinate: 'User.email' },
    });
  });
});

describe('with no auth configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('serves anonymous requests, and refuses a token it cannot verify', async () => {
    expect((await gw.post({ query: '{ me { id } }' })).status).toBe(200);
    const res = await gw.post({ query: '{ me { id } }' }, bearer(await token()));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'INVALID_TOKEN',
      reason: 'auth not configured',
    });
  });
});

describe('JWT auth with a public key', () => {
  it('verifies RS256 tokens and refuses an HS256 token forged with the public key as secret', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await using gw = await startTestGateway({ JWT_PUBLIC_KEY: pem });
    const good = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('u')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await gw.post({ query: '{ me { id } }' }, bearer(good))).status).toBe(200);
    const forged = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    const res = await gw.post({ query: '{ me { id } }' }, bearer(forged));
    expect([res.status, code(res.body)]).toEqual([401, 'INVALID_TOKEN']);
  });
});

describe('JWT auth with a JWKS URL', () => {
  it('verifies tokens against the issuer’s key set, by kid, and refuses an unknown kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
      await using gw = await startTestGateway({ JWT_JWKS_URL: url });
      const sign = (kid: string) =>
        new SignJWT({ tenant: 'acme' })
          .setProtectedHeader({ alg: 'ES256', kid })
          .setSubject('u')
          .setExpirationTime('5m')
          .sign(privateKey);
      expect((await gw.post({ query: '{ me { id } }' }, bearer(await sign('k1')))).status).toBe(200);
      const unknown = await gw.post({ query: '{ me { id } }' }, bearer(await sign('k2')));
      expect([unknown.status, code(unknown.body)]).toEqual([401, 'INVALID_TOKEN']);
    } finally {
      jwks.close();
    }
  });
});
