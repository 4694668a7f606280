/**
 * The narrow cache interface of the read-through: one batched read-through per DataLoader batch.
 * `MultiTierCache.readThrough` from `@intelgraph/advanced-caching` fits it (through
 * `multiTierLoaderStore` in `@intelgraph/subgraph-runtime`): mget, single-flight in the process
 * and across processes on cold keys, fence, one `load` of the misses, fenced write. Tests pass a
 * Map-backed fake.
 */
export interface LoaderCacheStore<V = unknown> {
  /**
   * The values of `keys` in order: each from the cache, or from one `load` of the misses (a key
   * left out of its answer has no value; an `Error` is that key's own failure). Stores, fenced on
   * `tags(key)` (a tag invalidated while the load ran drops the write), the loaded values
   * `storable` accepts, for `ttlMs`; never an error. `hits`: keys the cache answered.
   */
  readThrough(
    keys: readonly string[],
    load: (misses: readonly { readonly key: string }[]) => Promise<ReadonlyMap<string, V | Error>>,
    options: {
      readonly ttlMs: number;
      readonly tags: (key: string) => readonly string[];
      readonly storable: (value: V) => boolean;
    },
  ): Promise<{ readonly values: ReadonlyArray<V | Error | undefined>; readonly hits: number }>;
}

/** Read-through settings of one loader. */
export interface LoaderCacheOptions<V> {
  readonly store: LoaderCacheStore<V>;
  /**
   * Prefix of this loader's cache keys (`<prefix><key>`). Must name the loader and the shape of
   * its value (e.g. `entity:v1:`), so two loaders never read each other's entries. `<prefix><key>`
   * also keys the loads shared between concurrent requests and processes (single-flight), so it
   * must identify the value for every request that uses the store (tenant-scoped prefix or keys).
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
