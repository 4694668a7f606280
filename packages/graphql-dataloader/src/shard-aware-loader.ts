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

/** What a load shared between requests gives a request that joined it. */
type Shared<V> = { readonly ok: true; readonly got: V | undefined } | { readonly ok: false };

/**
 * Loads in flight per store (so per process for a store shared by the requests), by cache key.
 * A request whose miss is already being loaded by another request awaits that load instead of
 * querying again. Keyed by `<prefix><key>`, which names the loader, the value's shape and (for the
 * subgraphs) the tenant: the same cache key means the same value for every request.
 */
const inFlight = new WeakMap<object, Map<string, Promise<Shared<unknown>>>>();

function flightsOf(store: object): Map<string, Promise<Shared<unknown>>> {
  let flights = inFlight.get(store);
  if (!flights) {
    flights = new Map();
    inFlight.set(store, flights);
  }
  return flights;
}

/** The fence could not be taken: load, but store nothing (the write could not be judged). */
const NO_FENCE = Symbol('no fence');

/**
 * The batching shared by every loader kind. For one DataLoader batch:
 *
 *  1. read-through: one `mget` for all keys; hits are done (a failing cache counts as all misses,
 *     so a cache outage slows reads down but never fails them);
 *  2. single-flight: a miss another request of this process is already loading is awaited, not
 *     loaded again (only its value is shared: if that load failed for the key, this request loads
 *     the key itself, so one request's error never reaches another);
 *  3. the other misses are fenced (`store.fence`, before they are read) and grouped by shard, and
 *     each shard gets one call of the batch function, all shards in parallel — a batch costs one
 *     query per shard touched, whatever its size;
 *  4. each key gets its own value, its own "absent" value, or its own error: a failing shard
 *     fails only its keys, an unroutable key fails alone;
 *  5. the loaded values go back to the cache in one `mset` with the fence, so a key invalidated
 *     during the load is not written back (awaited, so a following request on this instance sees
 *     them; a failing `mset` is counted and otherwise ignored).
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

    // 2. single-flight: join the loads other requests have in flight, own the rest
    const flights = cache ? flightsOf(cache.store) : undefined;
    const own: K[] = [];
    const joined: Array<[K, Promise<Shared<unknown>>]> = [];
    const publish = new Map<string, { promise: Promise<Shared<unknown>>; resolve: (r: Shared<V>) => void }>();
    for (const key of missing) {
      if (!flights || !cache) {
        own.push(key);
        continue;
      }
      const cacheKey = cache.prefix + keyOf(key);
      const flight = flights.get(cacheKey);
      if (flight) {
        joined.push([key, flight]);
        continue;
      }
      own.push(key);
      let resolve!: (r: Shared<V>) => void;
      const promise = new Promise<Shared<V>>((r) => {
        resolve = r;
      });
      flights.set(cacheKey, promise);
      publish.set(cacheKey, { promise, resolve });
    }
    /** Hands the outcome of an owned key to the requests that joined it, and ends its flight. */
    const share = (key: K, outcome: Shared<V>): void => {
      if (!cache || !flights) return;
      const cacheKey = cache.prefix + keyOf(key);
      const mine = publish.get(cacheKey);
      if (!mine) return;
      publish.delete(cacheKey);
      if (flights.get(cacheKey) === mine.promise) flights.delete(cacheKey);
      mine.resolve(outcome);
    };

    // 3. fence, then one call per shard, in parallel
    const toStore: Array<{ key: string; value: V; tags: readonly string[]; fence: unknown }> = [];
    let shardQueries = 0;
    const load = async (list: readonly K[]): Promise<void> => {
      if (list.length === 0) return;
      let fence: unknown;
      if (cache?.store.fence) {
        try {
          fence = await cache.store.fence([...new Set(list.flatMap((key) => cache.tags(keyOf(key))))]);
        } catch {
          fence = NO_FENCE;
          metrics.cache(name, 0, 0, true);
        }
      }
      const { groups, failed } = groupByShard(list, options);
      shardQueries += groups.size;
      for (const [key, error] of failed) {
        settle(key, error);
        share(key, { ok: false });
      }
      await Promise.all(
        [...groups].map(async ([shardId, group]: [string | undefined, K[]]) => {
          let found: ReadonlyMap<string, V | Error>;
          try {
            found = await kind.load(group, { shardId, loader: name });
          } catch (error) {
            const err = asError(error);
            for (const key of group) {
              settle(key, err);
              share(key, { ok: false });
            }
            return;
          }
          for (const key of group) {
            const id = keyOf(key);
            const got = found.get(id);
            const value = got === undefined ? kind.absent(key) : got;
            settle(key, value);
            share(key, got instanceof Error ? { ok: false } : { ok: true, got });
            if (cache && fence !== NO_FENCE && !(value instanceof Error) && kind.cacheable(value)) {
              toStore.push({ key: cache.prefix + id, value, tags: cache.tags(id), fence });
            }
          }
        }),
      );
    };
    const retry: K[] = [];
    try {
      await Promise.all([
        load(own),
        ...joined.map(async ([key, flight]) => {
          const outcome = (await flight) as Shared<V>;
          if (outcome.ok) settle(key, outcome.got === undefined ? kind.absent(key) : outcome.got);
          else retry.push(key);
        }),
      ]);
      // A shared load that failed for a key: load it for this request (its own error, if any).
      await load(retry);
    } finally {
      // Whatever happened (a throwing `absent` or router), no joined request waits forever.
      for (const key of own) share(key, { ok: false });
    }
    metrics.batch(name, distinct.length, shardQueries);

    // 4. a key the router left out of every group is a router bug: say so for that key only
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

    // 5. store what was loaded, fenced (one mset per fence: one, or two with retried keys)
    if (cache && toStore.length > 0) {
      const byFence = new Map<unknown, Array<{ key: string; value: V; tags: readonly string[] }>>();
      for (const { key, value, tags, fence } of toStore) {
        const list = byFence.get(fence);
        if (list) list.push({ key, value, tags });
        else byFence.set(fence, [{ key, value, tags }]);
      }
      for (const [fence, entries] of byFence) {
        try {
          await cache.store.mset(
            entries,
            fence === undefined ? { ttlMs: cache.ttlMs } : { ttlMs: cache.ttlMs, fence },
          );
        } catch {
          metrics.cache(name, 0, 0, true);
        }
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
