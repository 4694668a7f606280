/**
 * The narrow cache interface of the read-through: one `mget` for a batch, one `mset` for the
 * values it had to load. `MultiTierCache` from `@intelgraph/advanced-caching` fits it (directly
 * or through a two-line adapter); tests pass a Map.
 */
export interface LoaderCacheStore<V = unknown> {
  /** Values for `keys`, in order; `undefined` for a miss. */
  mget(keys: readonly string[]): Promise<ReadonlyArray<V | undefined>>;
  /** Stores every entry; `ttlMs` applies to all of them. */
  mset(
    entries: ReadonlyArray<{ readonly key: string; readonly value: V }>,
    options: { ttlMs: number },
  ): Promise<void>;
}

/** Read-through settings of one loader. */
export interface LoaderCacheOptions<V> {
  readonly store: LoaderCacheStore<V>;
  /**
   * Prefix of this loader's cache keys (`<prefix><key>`). Must name the loader and the shape of
   * its value (e.g. `entity:v1:`), so two loaders never read each other's entries.
   */
  readonly prefix: string;
  /** Time to live of stored values. Default 60 000 ms. */
  readonly ttlMs?: number;
}
