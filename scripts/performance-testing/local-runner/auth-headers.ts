import { mintHs256Jwt } from './jwt.js';

/**
 * The Authorization header for load traffic: LOAD_TOKEN as is, or an HS256 token minted with
 * LOAD_JWT_SECRET (the gateway's JWT_SECRET in development) for tenant LOAD_TENANT with the
 * scopes writes need. No header when neither is set (a gateway allowing anonymous access).
 */
export function authHeaders(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  if (env.LOAD_TOKEN) return { authorization: `Bearer ${env.LOAD_TOKEN}` };
  if (!env.LOAD_JWT_SECRET) return {};
  const claims: Record<string, unknown> = {
    sub: env.LOAD_USER ?? 'load-tester',
    tenant: env.LOAD_TENANT ?? 'loadtest',
    scope: env.LOAD_SCOPES ?? 'read write admin',
  };
  if (env.LOAD_JWT_ISSUER) claims.iss = env.LOAD_JWT_ISSUER;
  if (env.LOAD_JWT_AUDIENCE) claims.aud = env.LOAD_JWT_AUDIENCE;
  return { authorization: `Bearer ${mintHs256Jwt(claims, env.LOAD_JWT_SECRET)}` };
}
