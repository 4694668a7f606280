import { IDENTITY_HEADER, type Identity, IdentitySigner } from '@intelgraph/identity';

/** The secret the test helpers sign with (≥ 32 bytes, like production). */
export const TEST_IDENTITY_SECRET = 'test-identity-secret-0123456789abcdef';

export interface GraphQLResponse<D = Record<string, unknown>> {
  readonly status: number;
  readonly data?: D | null;
  readonly errors?: Array<{
    message: string;
    path?: readonly (string | number)[];
    extensions?: Record<string, unknown>;
  }>;
}

/** Signs identities the way the gateway does. */
export function signIdentity(
  identity: Partial<Identity> & { tenantId: string },
  secret = TEST_IDENTITY_SECRET,
): string {
  return new IdentitySigner({ secrets: [secret] }).sign({
    tenantId: identity.tenantId,
    userId: identity.userId,
    scopes: identity.scopes ?? ['read', 'write', 'admin'],
  });
}

/** POSTs a GraphQL operation as `identity` (signed), or with `headers` only when identity is null. */
export async function graphqlRequest<D = Record<string, unknown>>(
  url: string,
  query: string,
  options: {
    variables?: Record<string, unknown>;
    identity?: (Partial<Identity> & { tenantId: string }) | null;
    headers?: Record<string, string>;
    secret?: string;
  } = {},
): Promise<GraphQLResponse<D>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.identity) headers[IDENTITY_HEADER] = signIdentity(options.identity, options.secret);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<D>, 'status'>;
  return { status: response.status, ...body };
}
