import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { JwksKeySet, type JwksKeySetOptions } from './jwks-key-set.js';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token-cache.js';

export interface JwtVerifierOptions {
  /** JWKS endpoint; or */
  readonly jwksUrl?: string;
  /** a PEM public key (SPKI); or */
  readonly publicKey?: string;
  /** an HMAC secret (HS256/384/512, development). */
  readonly secret?: string;
  /** Required `iss`. */
  readonly issuer?: string;
  /** Required `aud`. */
  readonly audience?: string;
  /** Accepted algorithms (default RS256, ES256, EdDSA, and HS256 with a secret). `none` never is. */
  readonly algorithms?: readonly string[];
  /** Claim holding the tenant (default `tenant`). */
  readonly tenantClaim?: string;
  /** Allowed clock skew for exp/nbf (default 30 s). */
  readonly clockToleranceSec?: number;
  /** Refuse tokens without an `exp` claim (default true): one would be valid forever. */
  readonly requireExp?: boolean;
  /** With `jwksUrl`: how the key set is refreshed and how long it outlives an outage. */
  readonly jwks?: Omit<JwksKeySetOptions, 'url'>;
  /** Remembers tokens that verified (default 10 000 tokens for at most 60 s; `maxEntries: 0` off). */
  readonly cache?: VerifiedTokenCacheOptions;
}

const REASONS: Record<string, string> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'claim check failed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'algorithm not supported',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
  ERR_JWKS_NO_MATCHING_KEY: 'no matching key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ambiguous key',
};

/** The reason of a jose error, as `details.reason` and the end of the message. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  const claim = (error as { claim?: string }).claim;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim) {
    return (error as { reason?: string }).reason === 'missing'
      ? `${claim} claim missing`
      : `${claim} claim check failed`;
  }
  return REASONS[code] ?? 'invalid';
}

/** Verifies bearer tokens with jose and turns their claims into an Identity. */
export class JwtVerifier {
  readonly #key: KeyObject | JWTVerifyGetKey;
  readonly #jwks: JwksKeySet | undefined;
  readonly #options: JwtVerifierOptions;
  readonly #algorithms: string[];
  readonly #cache: VerifiedTokenCache;

  constructor(options: JwtVerifierOptions) {
    const sources = [options.jwksUrl, options.publicKey, options.secret].filter((s) => s !== undefined);
    if (sources.length !== 1) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        'JwtVerifier needs exactly one of jwksUrl, publicKey, secret',
        {
          details: { field: 'jwksUrl|publicKey|secret', given: sources.length },
        },
      );
    }
    this.#options = options;
    this.#cache = new VerifiedTokenCache(options.cache);
    try {
      if (options.jwksUrl) {
        this.#jwks = new JwksKeySet({ ...options.jwks, url: options.jwksUrl });
        this.#key = this.#jwks.getKey;
      } else if (options.publicKey) this.#key = createPublicKey(options.publicKey.replace(/\\n/g, '\n'));
      else this.#key = createSecretKey(Buffer.from(options.secret!));
    } catch (error) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `JwtVerifier: the key cannot be read: ${(error as Error).message}`,
        {
          cause: error,
          details: { field: options.publicKey ? 'publicKey' : 'jwksUrl' },
        },
      );
    }
    const defaults = options.secret ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'ES256', 'EdDSA'];
    const requested = options.algorithms ?? defaults;
    // A secret verifies only HMAC algorithms and a public key only asymmetric ones, so a token
    // cannot pick the algorithm that turns a public key into an HMAC secret.
    this.#algorithms = requested.filter((a) => (options.secret ? a.startsWith('HS') : !a.startsWith('HS')));
    if (this.#algorithms.length === 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'JwtVerifier: no algorithm fits the key', {
        input: requested,
        details: { field: 'algorithms' },
      });
    }
  }

  /** Loads what verification needs ahead of the first request (the JWKS); never throws. */
  async start(): Promise<void> {
    await this.#jwks?.load();
  }

  /** Why tokens cannot be verified now (the JWKS cannot be fetched), or undefined. */
  async readiness(): Promise<string | undefined> {
    return this.#jwks?.readiness();
  }

  async verify(token: string): Promise<Identity> {
    const cached = this.#cache.get(token);
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, this.#key as KeyObject, {
        algorithms: this.#algorithms,
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSec ?? 30,
        requiredClaims: (this.#options.requireExp ?? true) ? ['exp'] : [],
      });
      payload = result.payload;
    } catch (error) {
      // AUTH_UNAVAILABLE from the key set: the token was neither accepted nor refused.
      if (IntelGraphError.is(error)) throw error;
      const reason = reasonOf(error);
      throw new IntelGraphError('INVALID_TOKEN', `Invalid token: ${reason}`, {
        cause: error,
        details: { reason },
      });
    }
    const tenant = payload[this.#options.tenantClaim ?? 'tenant'];
    if (typeof tenant !== 'string' || tenant === '') {
      throw new IntelGraphError('INVALID_TOKEN', 'Invalid token: no tenant claim', {
        details: { reason: 'no tenant claim' },
      });
    }
    // Frozen: a remembered identity is handed to every later request with the same token.
    const identity: Identity = Object.freeze({
      tenantId: tenant,
      userId: typeof payload.sub === 'string' ? payload.sub : undefined,
      scopes: Object.freeze(scopesOf(payload)),
    });
    const expiresAt =
      typeof payload.exp === 'number'
        ? (payload.exp + (this.#options.clockToleranceSec ?? 30)) * 1000
        : Number.POSITIVE_INFINITY;
    this.#cache.set(token, identity, expiresAt);
    return identity;
  }
}

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}
