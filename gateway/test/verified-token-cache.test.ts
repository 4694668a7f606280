import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtVerifier } from '../src/security/jwt-verifier.js';
import { VerifiedTokenCache } from '../src/security/verified-token-cache.js';

const identity = { tenantId: 'acme', userId: 'u-1', scopes: ['read'] };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('VerifiedTokenCache', () => {
  it('remembers a verified token for at most maxAgeMs', () => {
    const c = clock();
    const cache = new VerifiedTokenCache({ maxAgeMs: 60_000, now: c.now });
    cache.set('tok', identity, c.now() + 3_600_000);
    expect(cache.get('tok')).toBe(identity);
    c.advance(59_000);
    expect(cache.get('tok')).toBe(identity);
    c.advance(2_000);
    expect(cache.get('tok')).toBeUndefined();
  });

  it('never serves a token past its exp, however recently it verified', () => {
    const c = clock();
    const cache = new VerifiedTokenCache({ maxAgeMs: 60_000, now: c.now });
    cache.set('tok', identity, c.now() + 5_000);
    c.advance(4_000);
    expect(cache.get('tok')).toBe(identity);
    c.advance(1_000);
    expect(cache.get('tok')).toBeUndefined();
    cache.set('late', identity, c.now() - 1);
    expect(cache.get('late')).toBeUndefined();
  });

  it('holds at most maxEntries tokens, and nothing with maxEntries 0', () => {
    const bounded = new VerifiedTokenCache({ maxEntries: 2 });
    for (const t of ['a', 'b', 'c']) bounded.set(t, identity, Date.now() + 60_000);
    expect(bounded.size).toBe(2);
    expect(bounded.get('a')).toBeUndefined();
    const off = new VerifiedTokenCache({ maxEntries: 0 });
    off.set('a', identity, Date.now() + 60_000);
    expect(off.get('a')).toBeUndefined();
  });

  it('refuses invalid options with CONFIG_INVALID', () => {
    expect(() => new VerifiedTokenCache({ maxEntries: -1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => new VerifiedTokenCache({ maxAgeMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('JwtVerifier with its verified-token cache', () => {
  const secret = 's'.repeat(40);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ tenant: 'acme', scope: 'read write', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));

  it('answers a repeated token from the cache with the same frozen identity', async () => {
    const verifier = new JwtVerifier({ secret });
    const token = await sign({});
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
    expect(first).toEqual({ tenantId: 'acme', userId: 'u-1', scopes: ['read', 'write'] });
    expect(Object.isFrozen(first) && Object.isFrozen(first.scopes)).toBe(true);
  });

  it('still refuses a tampered copy of a token it has cached', async () => {
    const verifier = new JwtVerifier({ secret });
    const token = await sign({});
    await verifier.verify(token);
    const [h, p, s] = token.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), tenant: 'other' }),
    ).toString('base64url');
    await expect(verifier.verify(`${h}.${forgedPayload}.${s}`)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    await expect(verifier.verify(flipped)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('re-verifies every time with the cache off', async () => {
    const verifier = new JwtVerifier({ secret, cache: { maxEntries: 0 } });
    const token = await sign({});
    expect(await verifier.verify(token)).not.toBe(await verifier.verify(token));
  });
});
