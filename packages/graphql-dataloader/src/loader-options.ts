import { IntelGraphError } from '@intelgraph/errors';
import type { LoaderCacheOptions, LoaderCacheStore } from './loader-cache.js';
import { type LoaderMetrics, noLoaderMetrics } from './loader-metrics.js';
import type { ShardRouting } from './shard-routing.js';

/** What a batch function is told about the batch it serves. */
export interface BatchContext {
  /** The shard every key of this call lives on; `undefined` when the loader has no `shards`. */
  readonly shardId: string | undefined;
  /** The loader's name (for logs and traces). */
  readonly loader: string;
}

/** Options every loader kind takes. */
export interface LoaderOptions<K, V> {
  /** Name in metrics and errors. Default `loader`. */
  readonly name?: string;
  /**
   * The string identity of a key: dedupes keys, matches rows to keys, builds cache keys.
   * Default: `String(key)` for primitives, `JSON.stringify(key)` for objects.
   */
  readonly keyOf?: (key: K) => string;
  /**
   * Shard-aware batching: the keys of a batch are grouped by shard and the batch function is
   * called once per shard, all shards in parallel. Without it, once per batch.
   */
  readonly shards?: ShardRouting<K>;
  /**
   * Read-through to a shared cache: one batched read-through per batch (the misses loaded once
   * across concurrent requests and processes, stored fenced on their tags).
   */
  readonly cache?: LoaderCacheOptions<V>;
  /** Where batch sizes, shard queries, cache hits and key errors go. Default: nowhere. */
  readonly metrics?: LoaderMetrics;
  /** Most keys per batch (DataLoader's `maxBatchSize`). Default `Infinity`. */
  readonly maxBatchSize?: number;
  /** Memoize per loader (so per request): the same key is loaded once. Default `true`. */
  readonly memoize?: boolean;
  /** DataLoader's batch scheduler. Default: DataLoader's (after the current promise jobs). */
  readonly batchScheduleFn?: (callback: () => void) => void;
}

export interface ResolvedLoaderOptions<K, V> {
  readonly name: string;
  readonly keyOf: (key: K) => string;
  readonly shards: ShardRouting<K> | undefined;
  readonly cache:
    | { store: LoaderCacheStore<V>; prefix: string; tags: (key: string) => readonly string[]; ttlMs: number }
    | undefined;
  readonly metrics: LoaderMetrics;
  readonly maxBatchSize: number;
  readonly memoize: boolean;
  readonly batchScheduleFn: ((callback: () => void) => void) | undefined;
}

export const LOADER_DEFAULTS = {
  name: 'loader',
  cacheTtlMs: 60_000,
  maxBatchSize: Number.POSITIVE_INFINITY,
  memoize: true,
} as const;

export function defaultKeyOf(key: unknown): string {
  return typeof key === 'object' && key !== null ? JSON.stringify(key) : String(key);
}

function invalid(field: string, value: unknown, expected: string): IntelGraphError {
  return new IntelGraphError(
    'CONFIG_INVALID',
    `loader option ${field}=${String(value)}: expected ${expected}`,
    {
      input: value,
      details: { field },
    },
  );
}

/** Applies defaults and validates; throws `CONFIG_INVALID` naming the field and the value. */
export function resolveLoaderOptions<K, V>(options: LoaderOptions<K, V> = {}): ResolvedLoaderOptions<K, V> {
  const name = options.name ?? LOADER_DEFAULTS.name;
  if (typeof name !== 'string' || name.length === 0) throw invalid('name', name, 'a non-empty string');
  const maxBatchSize = options.maxBatchSize ?? LOADER_DEFAULTS.maxBatchSize;
  if (!(maxBatchSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxBatchSize) && maxBatchSize >= 1))) {
    throw invalid('maxBatchSize', maxBatchSize, 'a positive integer or Infinity');
  }
  if (options.keyOf !== undefined && typeof options.keyOf !== 'function') {
    throw invalid('keyOf', options.keyOf, 'a function');
  }
  if (options.shards !== undefined && typeof options.shards?.routeMany !== 'function') {
    throw invalid('shards', options.shards, 'an object with routeMany(keys)');
  }
  let cache: ResolvedLoaderOptions<K, V>['cache'];
  if (options.cache !== undefined) {
    const { store, prefix } = options.cache;
    const ttlMs = options.cache.ttlMs ?? LOADER_DEFAULTS.cacheTtlMs;
    if (typeof store?.readThrough !== 'function') {
      throw invalid('cache.store', store, 'an object with readThrough(keys, load, options)');
    }
    if (typeof prefix !== 'string' || prefix.length === 0)
      throw invalid('cache.prefix', prefix, 'a non-empty string');
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw invalid('cache.ttlMs', ttlMs, 'a positive number of ms');
    const { tags } = options.cache;
    if (typeof tags !== 'function') throw invalid('cache.tags', tags, 'a function key → invalidation tags');
    cache = { store, prefix, tags, ttlMs };
  }
  return {
    name,
    keyOf: options.keyOf ?? defaultKeyOf,
    shards: options.shards,
    cache,
    metrics: options.metrics ?? noLoaderMetrics,
    maxBatchSize,
    memoize: options.memoize ?? LOADER_DEFAULTS.memoize,
    batchScheduleFn: options.batchScheduleFn,
  };
}
