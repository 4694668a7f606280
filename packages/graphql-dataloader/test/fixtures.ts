import type { LoaderCacheStore } from '../src/index.js';

/** A promise with its resolve exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The invalidation tags of a loader key in these tests. */
export const keyTags = (key: string): readonly string[] => [`k:${key}`];

/**
 * An in-memory LoaderCacheStore that records every call: a plain read-through (mget, load the
 * misses, store the storable values with their tags). The real one, with single-flight, locks
 * and fences, is `MultiTierCache.readThrough`, tested by its contract suite in advanced-caching.
 */
export class MapCache<V> implements LoaderCacheStore<V> {
  readonly data = new Map<string, V>();
  readonly tagsOf = new Map<string, readonly string[]>();
  readonly calls: Array<{ keys: string[]; loaded: string[]; stored: string[]; ttlMs: number }> = [];
  failReads = false;

  async readThrough(
    keys: readonly string[],
    load: (misses: readonly { readonly key: string }[]) => Promise<ReadonlyMap<string, V | Error>>,
    options: { ttlMs: number; tags: (key: string) => readonly string[]; storable: (value: V) => boolean },
  ): Promise<{ values: ReadonlyArray<V | Error | undefined>; hits: number }> {
    if (this.failReads) throw new Error('cache down');
    const call = { keys: [...keys], loaded: [] as string[], stored: [] as string[], ttlMs: options.ttlMs };
    this.calls.push(call);
    const misses = [...new Set(keys)].filter((key) => !this.data.has(key));
    const loaded =
      misses.length > 0 ? await load(misses.map((key) => ({ key }))) : new Map<string, V | Error>();
    call.loaded = misses;
    for (const [key, value] of loaded) {
      if (value instanceof Error || !options.storable(value)) continue;
      this.data.set(key, value);
      this.tagsOf.set(key, options.tags(key));
      call.stored.push(key);
    }
    return {
      values: keys.map((key) => (this.data.has(key) ? this.data.get(key) : loaded.get(key))),
      hits: keys.length - misses.length,
    };
  }
}

/** Ids like `t1:42` carry their tenant; the "shard" of a tenant is fixed here. */
export const shardOfTenant: Record<string, string> = { t1: 's1', t2: 's2', t3: 's1', t4: 's3' };
export function shardOfId(id: string): string {
  const tenant = id.split(':')[0]!;
  const shard = shardOfTenant[tenant];
  if (!shard) throw new Error(`unroutable id ${id}`);
  return shard;
}
