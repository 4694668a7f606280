/**
 * One cached value with what every tier needs to judge it. Times are epoch milliseconds of the
 * writer's clock. An entry is *fresh* until `freshUntil`, then *stale but servable* (grace)
 * until `staleUntil`, then gone.
 */
export interface CacheEntry<T = unknown> {
  readonly value: T;
  readonly createdAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
  /** Tags, and the version each tag had when the value was loaded (parallel arrays). */
  readonly tags: readonly string[];
  readonly tagVersions: readonly number[];
  /** How long the loader took, ms (0 for a plain `set`); XFetch weighs early refresh by it. */
  readonly loadMs: number;
  /** Bytes of the encoded payload; L1 bounds itself by it. */
  readonly size: number;
}

/** Where an entry stands at `now`. */
export type EntryState = 'fresh' | 'stale' | 'expired';

export function entryState(entry: CacheEntry, now: number): EntryState {
  if (now < entry.freshUntil) return 'fresh';
  if (now < entry.staleUntil) return 'stale';
  return 'expired';
}
