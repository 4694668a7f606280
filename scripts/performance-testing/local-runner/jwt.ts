import { createHmac } from 'node:crypto';

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * An HS256 JWT for a gateway that verifies tokens with JWT_SECRET (development and load tests).
 * `iat` and `exp` are added; `exp` is `ttlSeconds` from now.
 */
export function mintHs256Jwt(claims: Record<string, unknown>, secret: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + ttlSeconds, ...claims }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
