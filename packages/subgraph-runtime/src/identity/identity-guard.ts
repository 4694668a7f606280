import type { IncomingHttpHeaders } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';
import { IDENTITY_HEADER, type Identity, IdentitySigner } from '@intelgraph/identity';
import type { Logger } from '@intelgraph/telemetry';

/** Header naming the tenant in development mode (ignored otherwise). */
export const DEV_TENANT_HEADER = 'x-dev-tenant';
/** Header naming the user in development mode (ignored otherwise). */
export const DEV_USER_HEADER = 'x-dev-user';
/** Header listing scopes (comma-separated) in development mode (ignored otherwise). */
export const DEV_SCOPES_HEADER = 'x-dev-scopes';

export type IdentityMode =
  | { readonly kind: 'signed'; readonly secrets: readonly string[]; readonly maxSkewMs?: number }
  | { readonly kind: 'development' };

const DEV_TENANT = /^[A-Za-z0-9_.~-]{1,128}$/;

/**
 * Who a request is for. In `signed` mode (production) only the gateway's HMAC-signed
 * `x-intelgraph-identity` header is accepted; the tenant never comes from anything else. In
 * `development` mode, requests without a signed header run as `x-dev-tenant` (default `dev`):
 * convenient locally, fatal in production, so the mode is logged as a warning at start and on
 * every request it is used for.
 */
export class IdentityGuard {
  readonly mode: IdentityMode['kind'];
  readonly #signer: IdentitySigner | undefined;
  readonly #logger: Logger | undefined;

  constructor(mode: IdentityMode, logger?: Logger) {
    this.mode = mode.kind;
    this.#logger = logger;
    this.#signer =
      mode.kind === 'signed'
        ? new IdentitySigner({
            secrets: mode.secrets,
            ...(mode.maxSkewMs !== undefined ? { maxSkewMs: mode.maxSkewMs } : {}),
          })
        : undefined;
    if (mode.kind === 'development') {
      logger?.warn(
        { mode: 'development' },
        'IDENTITY DEVELOPMENT MODE: requests without a signed gateway identity are accepted as tenant x-dev-tenant (default dev). NEVER RUN THIS IN PRODUCTION',
      );
    }
  }

  /** The identity of a request; `IDENTITY_MISSING` / `IDENTITY_INVALID` in signed mode. */
  verify(headers: IncomingHttpHeaders): Identity {
    if (this.#signer) return this.#signer.verify(headers[IDENTITY_HEADER]);
    const header = (name: string): string | undefined => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const tenantId = header(DEV_TENANT_HEADER) ?? 'dev';
    if (!DEV_TENANT.test(tenantId)) {
      throw new IntelGraphError(
        'IDENTITY_INVALID',
        `development tenant ${JSON.stringify(tenantId)} is malformed`,
        {
          input: tenantId,
          details: { reason: 'malformed' },
        },
      );
    }
    const scopes = (header(DEV_SCOPES_HEADER) ?? 'read,write,admin')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.#logger?.warn({ tenantId }, 'development identity used (unsigned request)');
    return { tenantId, userId: header(DEV_USER_HEADER), scopes };
  }
}
