import { IntelGraphError } from '@intelgraph/errors';
import DataLoader from 'dataloader';
import type { BatchContext, ResolvedLoaderOptions } from './loader-options.js';

/** Loads the keys of one shard: a map from `keyOf(key)` to the value (or an error for that key). */
export type ShardLoad<K, V> = (
  keys: readonly K[],
  context: BatchContext,
) => Promise<ReadonlyMap<string, V | Error>>;

/** How a loader kind plugs into the shared batching: its loading, its "absent" value, its caching rule. */
export interface LoaderKind<K, V> {
  readonly load: ShardLoad<K, V>;
  /** The result of a key the batch function did not return (null, [], 0, or an error). */
  readonly absent: (key: K) => V | Error;
  /** Whether a loaded value may be written to the read-through cache. */
  readonly cacheable: (value: V) => boolean;
}

function asError(error: unknown): Error {
  return error instanceof Error
    ? error
    : new IntelGraphError('INTERNAL_ERROR', String(error), { cause: error });
}

/**
 * Groups keys by shard. If the router throws (a malformed id among the keys), the keys are routed
 * one by one so that only the unroutable ones fail: errors stay per key.
 */
function groupByShard<K>(
  keys: readonly K[],
  options: ResolvedLoaderOptions<K, unknown>,
): { groups: Map<string | undefined, K[]>; failed: Map<K, Error> } {
  const failed = new Map<K, Error>();
  if (!options.shards) return { groups: new Map([[undefined, [...keys]]]), failed };
  try {
    const routed = options.shards.routeMany(keys);
    return { groups: new Map([...routed].map(([shard, group]) => [shard, [...group]])), failed };
  } catch {
    const groups = new Map<string | undefined, K[]>();
    for (const key of keys) {
      try {
        for (const [shard, group] of options.shards.routeMany([key])) {
          const list = groups.get(shard);
          if (list) list.push(...group);
          else groups.set(shard, [...group]);
        }
      } catch (error) {
        failed.set(key, asError(error));
      }
    }
    return { groups, failed };
  }
}

/**
 * The batching shared by every loader kind. For one DataLoader batch:
 *
 *  1. with `cache`: one read-through of every distinct key (`store.readThrough`, the batched
 *     read-through of `@intelgraph/advanced-caching`: mget, single-flight in this process and,
 *     on cold keys, across processes, fence, one load of the misses, fenced write of the
 *     cacheable values under the tags `cache.tags` names). A failing cache is read around: the
 *     keys are loaded as if there were none (counted as a cache failure);
 *  2. the keys to load are grouped by shard (with `shards`) and each group gets one call of the
 *     batch function, all groups in parallel — a batch costs one query per group, whatever its
 *     size;
 *  3. each key gets its own value, its own "absent" value, or its own error: a failing shard
 *     fails only its keys, an unroutable key fails alone, and the cache never stores an error.
 */
export function createShardAwareLoader<K, V>(
  options: ResolvedLoaderOptions<K, V>,
  kind: LoaderKind<K, V>,
): DataLoader<K, V> {
  const { name, keyOf, cache, metrics } = options;

  /** One call of the batch function per shard group, in parallel; every key's result in `found`. */
  const loadKeys = async (
    keys: readonly K[],
    found: Map<string, V | Error>,
    counts: { shardQueries: number },
  ): Promise<void> => {
    if (keys.length === 0) return;
    const { groups, failed } = groupByShard(keys, options);
    counts.shardQueries += groups.size;
    for (const [key, error] of failed) found.set(keyOf(key), error);
    await Promise.all(
      [...groups].map(async ([shardId, group]: [string | undefined, K[]]) => {
        let got: ReadonlyMap<string, V | Error>;
        try {
          got = await kind.load(group, { shardId, loader: name });
        } catch (error) {
          const err = asError(error);
          for (const key of group) found.set(keyOf(key), err);
          return;
        }
        for (const key of group) {
          const id = keyOf(key);
          const value = got.get(id);
          found.set(id, value === undefined ? kind.absent(key) : value);
        }
      }),
    );
  };

  const batch = async (keys: readonly K[]): Promise<Array<V | Error>> => {
    const ids = keys.map(keyOf);
    const distinct: K[] = [];
    const seen = new Set<string>();
    keys.forEach((key, i) => {
      if (!seen.has(ids[i]!)) {
        seen.add(ids[i]!);
        distinct.push(key);
      }
    });
    const found = new Map<string, V | Error>();
    const counts = { shardQueries: 0 };

    if (cache) {
      const byCacheKey = new Map(distinct.map((key) => [cache.prefix + keyOf(key), key]));
      try {
        const read = await cache.store.readThrough(
          [...byCacheKey.keys()],
          async (misses) => {
            const toLoad = misses.map((m) => byCacheKey.get(m.key)!);
            const loaded = new Map<string, V | Error>();
            await loadKeys(toLoad, loaded, counts);
            return new Map(toLoad.map((key) => [cache.prefix + keyOf(key), loaded.get(keyOf(key))!]));
          },
          {
            ttlMs: cache.ttlMs,
            tags: (cacheKey) => cache.tags(cacheKey.slice(cache.prefix.length)),
            storable: kind.cacheable,
          },
        );
        distinct.forEach((key, i) => {
          const value = read.values[i];
          found.set(keyOf(key), value === undefined ? kind.absent(key) : value);
        });
        metrics.cache(name, read.hits, distinct.length - read.hits, false);
      } catch {
        // The cache failed (the database never throws out of `loadKeys`): read without it.
        metrics.cache(name, 0, distinct.length, true);
        await loadKeys(
          distinct.filter((key) => !found.has(keyOf(key))),
          found,
          counts,
        );
      }
    } else {
      await loadKeys(distinct, found, counts);
    }
    metrics.batch(name, distinct.length, counts.shardQueries);

    // A key the router left out of every group is a router bug: say so for that key only.
    let errors = 0;
    const results = ids.map((id): V | Error => {
      const value = found.has(id)
        ? found.get(id)!
        : new IntelGraphError(
            'LOADER_BATCH_INVALID',
            `Loader ${name}: key ${id} was not routed to any shard`,
            {
              input: id,
              details: { loader: name },
            },
          );
      if (value instanceof Error) errors += 1;
      return value;
    });
    if (errors > 0) metrics.keyErrors(name, errors);
    return results;
  };

  return new DataLoader<K, V, string>(batch, {
    name,
    cacheKeyFn: keyOf,
    cache: options.memoize,
    maxBatchSize: options.maxBatchSize,
    ...(options.batchScheduleFn ? { batchScheduleFn: options.batchScheduleFn } : {}),
  });
}
