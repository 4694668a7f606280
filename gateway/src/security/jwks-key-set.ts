import { IntelGraphError } from '@intelgraph/errors';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface JwksKeySetOptions {
  /** The issuer's JWKS endpoint. */
  readonly url: string;
  /** Age after which the set is fetched again, in the background (default 300 000 ms). */
  readonly refreshIntervalMs?: number;
  /**
   * While the endpoint cannot be fetched, how long after the last good fetch the last set still
   * verifies tokens (default 3 600 000 ms); then AUTH_UNAVAILABLE. Bounds how long a key the
   * issuer withdrew during an outage keeps working.
   */
  readonly maxStaleMs?: number;
  /** Least time between two fetches triggered by a token whose `kid` is unknown (default 30 000 ms). */
  readonly cooldownMs?: number;
  /** Least time between a failed fetch and the next attempt (default 1 000 ms). */
  readonly retryMs?: number;
  /** Timeout of one fetch (default 5 000 ms). */
  readonly timeoutMs?: number;
  /** Told about every failed fetch (logged by the gateway). */
  readonly onError?: (error: unknown) => void;
  /** For tests: the clock (ms since the epoch) and the HTTP client. */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

interface Loaded {
  readonly getKey: JWTVerifyGetKey;
  readonly fetchedAt: number;
}

/**
 * The token issuer's key set, fetched from its JWKS endpoint, with an explicit policy for when the
 * endpoint fails — which jose's `createRemoteJWKSet` leaves to the caller (its verification errors
 * look like a bad token, so an outage answered every caller 401):
 *
 *  - a set younger than `refreshIntervalMs` is used as is; an older one is still used while a
 *    refresh runs in the background, so requests never wait on the issuer once a set is loaded;
 *  - when the endpoint fails, the last good set keeps verifying until `maxStaleMs` after its
 *    fetch; after that (or before any set was ever loaded) a request waits for one fetch attempt
 *    and, if it fails, gets AUTH_UNAVAILABLE (503: the token was neither accepted nor refused), and
 *    `readiness()` reports the outage so an orchestrator stops routing here;
 *  - a token whose `kid` is not in the set triggers one refetch (at most every `cooldownMs`), the
 *    way an issuer's key rotation is picked up; if that fetch fails the answer is AUTH_UNAVAILABLE.
 *
 * Fetches are shared: concurrent requests wait on one, and failed attempts are spaced `retryMs`.
 */
export class JwksKeySet {
  readonly #url: URL;
  readonly #refreshMs: number;
  readonly #maxStaleMs: number;
  readonly #cooldownMs: number;
  readonly #retryMs: number;
  readonly #timeoutMs: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  #loaded: Loaded | undefined;
  #inFlight: Promise<void> | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;

  constructor(options: JwksKeySetOptions) {
    try {
      this.#url = new URL(options.url);
    } catch (error) {
      throw new IntelGraphError('CONFIG_INVALID', 'JwksKeySet: url is not a URL', {
        input: options.url,
        cause: error,
        details: { field: 'JWT_JWKS_URL' },
      });
    }
    this.#refreshMs = nonNegative(options.refreshIntervalMs ?? 300_000, 'JWKS_REFRESH_S');
    this.#maxStaleMs = nonNegative(options.maxStaleMs ?? 3_600_000, 'JWKS_MAX_STALE_S');
    this.#cooldownMs = nonNegative(options.cooldownMs ?? 30_000, 'cooldownMs');
    this.#retryMs = nonNegative(options.retryMs ?? 1000, 'retryMs');
    this.#timeoutMs = nonNegative(options.timeoutMs ?? 5000, 'timeoutMs');
    this.#onError = options.onError;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
  }

  /** jose's key lookup: the key of the token's `kid` (and `alg`) from the current set. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    let loaded = await this.#usable();
    try {
      return await loaded.getKey(header, token);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      if (this.#now() - loaded.fetchedAt < this.#cooldownMs) throw error;
      // An unknown kid: the issuer may have rotated its keys since the last fetch.
      await this.#attempt(true);
      if (this.#loaded === loaded) throw this.#unavailable();
      loaded = this.#loaded!;
      return await loaded.getKey(header, token);
    }
  };

  /** Fetches the set now (at start, so the first request does not wait); never throws. */
  async load(): Promise<void> {
    await this.#attempt(true);
  }

  /** A problem description while no usable set is at hand (an attempt to fetch one is made first). */
  async readiness(): Promise<string | undefined> {
    if (this.#fresh(this.#now())) return undefined;
    await this.#attempt(false);
    return this.#fresh(this.#now()) ? undefined : this.#problem();
  }

  /** The current set if usable, else after one fetch attempt; AUTH_UNAVAILABLE when there is none. */
  async #usable(): Promise<Loaded> {
    const now = this.#now();
    if (this.#fresh(now)) {
      if (now - this.#loaded!.fetchedAt >= this.#refreshMs) void this.#attempt(false);
      return this.#loaded!;
    }
    await this.#attempt(false);
    if (this.#fresh(this.#now())) return this.#loaded!;
    throw this.#unavailable();
  }

  #fresh(now: number): boolean {
    return this.#loaded !== undefined && now - this.#loaded.fetchedAt <= this.#maxStaleMs;
  }

  /** One fetch, shared by everyone who asks while it runs; spaced `retryMs` after a failure. */
  #attempt(force: boolean): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (!force && this.#lastError !== undefined && this.#now() - this.#lastAttemptAt < this.#retryMs)
      return Promise.resolve();
    this.#lastAttemptAt = this.#now();
    this.#inFlight = this.#fetchSet()
      .then(
        (getKey) => {
          this.#loaded = { getKey, fetchedAt: this.#now() };
          this.#lastError = undefined;
        },
        (error: unknown) => {
          this.#lastError = error;
          this.#onError?.(error);
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  async #fetchSet(): Promise<JWTVerifyGetKey> {
    const res = await this.#fetch(this.#url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const jwks = (await res.json()) as JSONWebKeySet;
    // Throws on a body that is not a key set: kept like a failed fetch, the last good set stays.
    return createLocalJWKSet(jwks);
  }

  #problem(): string {
    const reason =
      this.#lastError instanceof Error
        ? [this.#lastError.message, (this.#lastError.cause as Error | undefined)?.message]
            .filter(Boolean)
            .join(': ')
        : this.#loaded
          ? 'key set too old'
          : 'not fetched yet';
    return `JWKS ${this.#url.href} unavailable (${reason})`;
  }

  #unavailable(): IntelGraphError {
    return new IntelGraphError(
      'AUTH_UNAVAILABLE',
      'The token issuer’s keys cannot be fetched; the token could not be checked. Retry later.',
      {
        cause: this.#lastError,
        details: { retryAfterSeconds: Math.max(1, Math.ceil(this.#retryMs / 1000)) },
      },
    );
  }
}

function nonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new IntelGraphError('CONFIG_INVALID', `JwksKeySet: ${field} must be ≥ 0`, {
      input: value,
      details: { field },
    });
  }
  return value;
}
