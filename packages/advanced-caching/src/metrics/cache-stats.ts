/**
 * Plain counters a cache bumps on its hot paths (an integer increment, no label lookup). The
 * Prometheus binding reads them at scrape time, so metrics cost nothing per call.
 */
export class CacheStats {
  l1Hits = 0;
  l1Misses = 0;
  l2Hits = 0;
  l2Misses = 0;
  /** Loader invocations (each one is a miss served by the source of truth). */
  loaderCalls = 0;
  loaderErrors = 0;
  /** Stale values served within grace (while refreshing, or because the loader failed). */
  staleServed = 0;
  /** Callers that joined another caller's load in this process (single-flight). */
  localWaits = 0;
  /** Loads that waited for another process's lock holder instead of calling the loader. */
  distributedWaits = 0;
  /** Early refreshes started by XFetch. */
  earlyRefreshes = 0;
  /** Redis calls that failed or timed out, and calls skipped because the breaker was open. */
  l2Errors = 0;
  l2Skipped = 0;
  /** Bytes written to L2 (encoded entries). */
  l2BytesWritten = 0;
  /** Tag invalidations, and keys deleted. */
  tagInvalidations = 0;
  deletes = 0;
  /** Writes dropped because a tag was invalidated since their fence (see `MultiTierCache.fence`). */
  fencedWrites = 0;
}

export interface CacheStatsSnapshot {
  readonly hits: { readonly l1: number; readonly l2: number; readonly total: number };
  readonly misses: { readonly l1: number; readonly l2: number; readonly total: number };
  /** hits / (hits + final misses): how often a read was answered without the loader. */
  readonly hitRate: number;
  readonly loaderCalls: number;
  readonly loaderErrors: number;
  readonly staleServed: number;
  readonly stampedeWaits: { readonly local: number; readonly distributed: number };
  readonly earlyRefreshes: number;
  readonly evictions: number;
  readonly l1: { readonly entries: number; readonly bytes: number };
  readonly l2: {
    readonly errors: number;
    readonly skipped: number;
    readonly bytesWritten: number;
    readonly breaker: string;
  };
  readonly tagInvalidations: number;
  readonly deletes: number;
  /** Writes dropped because a tag was invalidated during their load. */
  readonly fencedWrites: number;
}
