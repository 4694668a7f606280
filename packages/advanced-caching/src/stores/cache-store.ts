import type { CacheEntry } from '../entry/cache-entry.js';

export type MaybePromise<T> = T | Promise<T>;

/** One write for `mset`. `encoded` is the entry's bytes when the caller already has them. */
export interface StoreWrite {
  readonly key: string;
  readonly entry: CacheEntry;
  /** How long the store keeps it, ms (the entry's grace end, capped by the tier's own limit). */
  readonly ttlMs: number;
  readonly encoded?: Buffer;
}

/**
 * What a cache tier implements. Deliberately narrow: a tier stores entries and forgets them; tags,
 * freshness, grace and stampede control live above it, in MultiTierCache. L1 answers
 * synchronously (so a hit costs no promise hop inside the cache), L2 asynchronously; callers
 * `await` either. Every implementation runs `test/contract/cache-store.contract.ts`.
 */
export interface CacheStore {
  /** `l1`, `l2`: used in metrics labels. */
  readonly tier: string;
  get(key: string): MaybePromise<CacheEntry | undefined>;
  /** One answer per key, in order, `undefined` for a miss; one round trip for a remote tier. */
  mget(keys: readonly string[]): MaybePromise<(CacheEntry | undefined)[]>;
  set(write: StoreWrite): MaybePromise<void>;
  /** All writes in one round trip for a remote tier. */
  mset(writes: readonly StoreWrite[]): MaybePromise<void>;
  delete(keys: readonly string[]): MaybePromise<void>;
  /** Forgets every entry of this store (its prefix only, for a shared server). */
  clear(): MaybePromise<void>;
}
