import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import { LRUCache } from 'lru-cache';

export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered (default 10 000; 0 switches the cache off). */
  readonly maxEntries?: number;
  /**
   * Longest a verified token is trusted without verifying it again (default 60 000 ms). Bounds
   * how long a token keeps working after its key is withdrawn from the JWKS.
   */
  readonly maxAgeMs?: number;
  /** Clock in ms since the epoch, for tests (default `Date.now`). */
  readonly now?: () => number;
}

interface Entry {
  readonly identity: Identity;
  /** When to verify it again: its `exp` (ms, tolerance included) or `maxAgeMs` after it verified. */
  readonly expiresAt: number;
}

/**
 * Tokens that verified, by their exact text, so a client sending the same bearer token on every
 * request costs one signature check per `maxAgeMs` instead of one per request. Only successful
 * verifications are kept, never longer than the token's own `exp`; a token is compared whole, so
 * a changed byte is a miss and is verified.
 */
export class VerifiedTokenCache {
  readonly #lru: LRUCache<string, Entry> | undefined;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'VerifiedTokenCache: maxEntries must be an integer ≥ 0', {
        input: maxEntries,
        details: { field: 'maxEntries' },
      });
    }
    if (!Number.isFinite(this.#maxAgeMs) || this.#maxAgeMs < 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'VerifiedTokenCache: maxAgeMs must be ≥ 0', {
        input: this.#maxAgeMs,
        details: { field: 'maxAgeMs' },
      });
    }
    this.#lru =
      maxEntries > 0 && this.#maxAgeMs > 0 ? new LRUCache<string, Entry>({ max: maxEntries }) : undefined;
  }

  /** The identity of a token verified earlier and not expired since, else undefined. */
  get(token: string): Identity | undefined {
    const entry = this.#lru?.get(token);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.expiresAt) {
      this.#lru!.delete(token);
      return undefined;
    }
    return entry.identity;
  }

  /** Remembers a token that just verified; `expiresAt` is its `exp` (ms, tolerance included). */
  set(token: string, identity: Identity, expiresAt: number): void {
    const now = this.#now();
    if (this.#lru === undefined || expiresAt <= now) return;
    this.#lru.set(token, { identity, expiresAt: Math.min(expiresAt, now + this.#maxAgeMs) });
  }

  get size(): number {
    return this.#lru?.size ?? 0;
  }
}
