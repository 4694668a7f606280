/**
 * When the bearer token of an `Authorization` header expires (epoch ms), from its `exp` claim;
 * undefined without a bearer JWT or without `exp`. Read only after the auth plugin verified the
 * token: nothing here trusts an unverified claim for access, it only schedules the re-check.
 */
export function tokenExpiry(authorization: string | string[] | undefined): number | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const token = header ? /^Bearer +(\S+)$/i.exec(header)?.[1] : undefined;
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
