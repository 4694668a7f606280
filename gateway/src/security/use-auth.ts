import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import type { GatewayPlugin } from '../plugin.js';
import type { JwtVerifier } from './jwt-verifier.js';

export interface AuthOptions {
  /** Verifies tokens; undefined when auth is not configured (every request is anonymous). */
  readonly verifier?: JwtVerifier;
  /** With a verifier, still serve requests without a token (default false). */
  readonly allowAnonymous?: boolean;
  /** Tenant of anonymous requests (default `public`). */
  readonly anonymousTenant?: string;
}

export function identityKey(identity: Identity): string {
  return `${identity.tenantId}\u0001${identity.userId ?? ''}\u0001${identity.scopes.join(' ')}`;
}

/**
 * Establishes who a request is for. No token: anonymous, unless auth is configured and
 * anonymous access is not allowed (UNAUTHENTICATED). A token that does not verify is always
 * refused (INVALID_TOKEN), also when anonymous access is allowed and also when no key is
 * configured: a client that sends credentials expects them checked, never silently dropped.
 */
export function useAuth(options: AuthOptions = {}): GatewayPlugin {
  const anonymous: Identity = {
    tenantId: options.anonymousTenant ?? 'public',
    userId: undefined,
    scopes: [],
  };
  const anonymousKey = identityKey(anonymous);
  const allowAnonymous = options.verifier === undefined || (options.allowAnonymous ?? false);
  return {
    name: 'auth',
    // Fetch the JWKS before the first request needs it; an outage is reported by readiness.
    start: () => options.verifier?.start(),
    readiness: () => options.verifier?.readiness(),
    async onRequest(state) {
      const header = state.req.headers.authorization;
      if (header === undefined || header === '') {
        if (!allowAnonymous) {
          throw new IntelGraphError(
            'UNAUTHENTICATED',
            'Authentication required: send Authorization: Bearer <token>',
          );
        }
        state.identity = anonymous;
        state.identityKey = anonymousKey;
        return;
      }
      const match = /^Bearer +(\S+)$/i.exec(header);
      if (!match) {
        throw new IntelGraphError('INVALID_TOKEN', 'Invalid token: expected "Bearer <token>"', {
          details: { reason: 'not a bearer token' },
        });
      }
      if (!options.verifier) {
        throw new IntelGraphError(
          'INVALID_TOKEN',
          'Invalid token: this gateway has no key to verify tokens',
          {
            details: { reason: 'auth not configured' },
          },
        );
      }
      let identity: Identity;
      try {
        identity = await options.verifier.verify(match[1]!);
      } catch (error) {
        if (IntelGraphError.is(error, 'AUTH_UNAVAILABLE')) {
          state.responseHeaders.set('retry-after', String(error.details.retryAfterSeconds ?? 1));
        }
        throw error;
      }
      state.identity = identity;
      state.identityKey = identityKey(identity);
    },
  };
}
