/** The realm named in every `WWW-Authenticate` challenge of the gateway. */
export const AUTH_REALM = 'intelgraph';

/** Quotes a value for an RFC 9110 auth-param (quoted-string). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`;
}

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750): `Bearer realm="…"` when no token was sent,
 * with `error="invalid_token"` and a description when the token sent is not acceptable.
 */
export function bearerChallenge(code: string | undefined, description?: string): string {
  const realm = `Bearer realm=${quoted(AUTH_REALM)}`;
  if (code !== 'INVALID_TOKEN') return realm;
  return description === undefined
    ? `${realm}, error="invalid_token"`
    : `${realm}, error="invalid_token", error_description=${quoted(description)}`;
}
