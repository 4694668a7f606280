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

/** An in-memory LoaderCacheStore that records every call. */
export class MapCache<V> implements LoaderCacheStore<V> {
  readonly data = new Map<string, V>();
  readonly calls: Array<{ op: 'mget' | 'mset'; keys: string[]; ttlMs?: number }> = [];
  failGets = false;
  failSets = false;

  async mget(keys: readonly string[]): Promise<ReadonlyArray<V | undefined>> {
    this.calls.push({ op: 'mget', keys: [...keys] });
    if (this.failGets) throw new Error('cache down');
    return keys.map((k) => this.data.get(k));
  }

  async mset(
    entries: ReadonlyArray<{ key: string; value: V; tags: readonly string[] }>,
    options: { ttlMs: number },
  ): Promise<void> {
    this.calls.push({ op: 'mset', keys: entries.map((e) => e.key), ttlMs: options.ttlMs });
    if (this.failSets) throw new Error('cache down');
    for (const e of entries) this.data.set(e.key, e.value);
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
