/**
 * The narrow cache interface of the read-through: one `mget` for a batch, one `mset` for the
 * values it had to load. `MultiTierCache` from `@intelgraph/advanced-caching` fits it (through
 * `multiTierLoaderStore` in `@intelgraph/subgraph-runtime`); tests pass a Map.
 */
export interface LoaderCacheStore<V = unknown> {
  /** Values for `keys`, in order; `undefined` for a miss. */
  mget(keys: readonly string[]): Promise<ReadonlyArray<V | undefined>>;
  /**
   * Stores every entry under its tags; `ttlMs` applies to all of them. `fence`, when given, is
   * what `fence(tags)` returned before the values were loaded: an entry one of whose tags was
   * invalidated since must be dropped, not stored (a slow read must never write back a row a
   * write replaced meanwhile).
   */
  mset(
    entries: ReadonlyArray<{ readonly key: string; readonly value: V; readonly tags: readonly string[] }>,
    options: { ttlMs: number; fence?: unknown },
  ): Promise<void>;
  /**
   * Optional write fence, taken on the tags of a batch's misses before they are loaded (an opaque
   * token handed back to `mset`). Without it, the store has no way to tell a value loaded before
   * an invalidation from one loaded after it.
   */
  fence?(tags: readonly string[]): Promise<unknown>;
}

/** Read-through settings of one loader. */
export interface LoaderCacheOptions<V> {
  readonly store: LoaderCacheStore<V>;
  /**
   * Prefix of this loader's cache keys (`<prefix><key>`). Must name the loader and the shape of
   * its value (e.g. `entity:v1:`), so two loaders never read each other's entries. `<prefix><key>`
   * also keys the loads shared between concurrent requests (single-flight), so it must identify
   * the value for every request that uses the store (tenant-scoped prefix or keys).
   */
  readonly prefix: string;
  /**
   * The invalidation tags of a key's entry (`keyOf(key)` → e.g. `['Entity:<id>']`): the tags
   * the writes that change the value declare, so those writes drop it (and fence a load racing
   * them). A cached loader must say what invalidates it.
   */
  readonly tags: (key: string) => readonly string[];
  /** Time to live of stored values. Default 60 000 ms. */
  readonly ttlMs?: number;
}
