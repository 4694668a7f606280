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
 *  1. read-through: one `mget` for all keys; hits are done (a failing cache counts as all misses,
 *     so a cache outage slows reads down but never fails them);
 *  2. the misses are grouped by shard and each shard gets one call of the batch function, all
 *     shards in parallel — a batch costs one query per shard touched, whatever its size;
 *  3. each key gets its own value, its own "absent" value, or its own error: a failing shard
 *     fails only its keys, an unroutable key fails alone;
 *  4. the loaded values go back to the cache in one `mset` (awaited, so a following request on
 *     this instance sees them; a failing `mset` is counted and otherwise ignored).
 */
export function createShardAwareLoader<K, V>(
  options: ResolvedLoaderOptions<K, V>,
  kind: LoaderKind<K, V>,
): DataLoader<K, V> {
  const { name, keyOf, cache, metrics } = options;

  const batch = async (keys: readonly K[]): Promise<Array<V | Error>> => {
    const ids = keys.map(keyOf);
    const results = new Array<V | Error | undefined>(keys.length);
    const indexesOf = new Map<string, number[]>();
    ids.forEach((id, i) => {
      const list = indexesOf.get(id);
      if (list) list.push(i);
      else indexesOf.set(id, [i]);
    });
    const settle = (key: K, value: V | Error): void => {
      for (const i of indexesOf.get(keyOf(key)) ?? []) results[i] = value;
    };

    // 1. read-through
    let missing: K[] = [];
    const seen = new Set<string>();
    const distinct: K[] = [];
    keys.forEach((key, i) => {
      if (!seen.has(ids[i]!)) {
        seen.add(ids[i]!);
        distinct.push(key);
      }
    });
    if (cache) {
      let cached: ReadonlyArray<V | undefined> = [];
      let failed = false;
      try {
        cached = await cache.store.mget(distinct.map((key) => cache.prefix + keyOf(key)));
      } catch {
        failed = true;
      }
      distinct.forEach((key, i) => {
        const value = cached[i];
        if (value === undefined) missing.push(key);
        else settle(key, value);
      });
      metrics.cache(name, distinct.length - missing.length, missing.length, failed);
    } else {
      missing = distinct;
    }

    // 2. one call per shard, in parallel
    const { groups, failed } =
      missing.length > 0 ? groupByShard(missing, options) : { groups: new Map(), failed: new Map() };
    for (const [key, error] of failed) settle(key, error);
    const toStore: Array<{ key: string; value: V }> = [];
    await Promise.all(
      [...groups].map(async ([shardId, group]: [string | undefined, K[]]) => {
        let found: ReadonlyMap<string, V | Error>;
        try {
          found = await kind.load(group, { shardId, loader: name });
        } catch (error) {
          const err = asError(error);
          for (const key of group) settle(key, err);
          return;
        }
        for (const key of group) {
          const id = keyOf(key);
          const got = found.get(id);
          const value = got === undefined ? kind.absent(key) : got;
          settle(key, value);
          if (cache && !(value instanceof Error) && kind.cacheable(value)) {
            toStore.push({ key: cache.prefix + id, value });
          }
        }
      }),
    );
    metrics.batch(name, distinct.length, groups.size);

    // 3. a key the router left out of every group is a router bug: say so for that key only
    let errors = 0;
    for (let i = 0; i < results.length; i += 1) {
      if (results[i] === undefined) {
        results[i] = new IntelGraphError(
          'LOADER_BATCH_INVALID',
          `Loader ${name}: key ${ids[i]} was not routed to any shard`,
          {
            input: ids[i],
            details: { loader: name },
          },
        );
      }
      if (results[i] instanceof Error) errors += 1;
    }
    if (errors > 0) metrics.keyErrors(name, errors);

    // 4. store what was loaded
    if (cache && toStore.length > 0) {
      try {
        await cache.store.mset(toStore, { ttlMs: cache.ttlMs });
      } catch {
        metrics.cache(name, 0, 0, true);
      }
    }
    return results as Array<V | Error>;
  };

  return new DataLoader<K, V, string>(batch, {
    name,
    cacheKeyFn: keyOf,
    cache: options.memoize,
    maxBatchSize: options.maxBatchSize,
    ...(options.batchScheduleFn ? { batchScheduleFn: options.batchScheduleFn } : {}),
  });
}
