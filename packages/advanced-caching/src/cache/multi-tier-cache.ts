import { IntelGraphError } from '@intelgraph/errors';
import type { CacheEntry } from '../entry/cache-entry.js';
import { fencedVersions, type TagFence } from '../invalidation/tag-fence.js';
import { assertKey, assertTag, normaliseTags } from '../keys/validate.js';
import type { CacheStatsSnapshot } from '../metrics/cache-stats.js';
import { type MultiTierCacheOptions, resolveCacheOptions } from '../options/cache-options.js';
import { UNAVAILABLE } from '../resilience/guarded-redis.js';
import {
  type BatchLoad,
  BatchReadThrough,
  type ReadThroughOptions,
  type ReadThroughResult,
} from './batch-read-through.js';
import { CacheNamespace } from './cache-namespace.js';
import { CacheTiers, type PreparedWrite } from './cache-tiers.js';
import { LoadCoordinator, type Loader, type LoadSettings } from './load-coordinator.js';

export type { TagFence } from '../invalidation/tag-fence.js';

export interface CacheSetOptions {
  /** Seconds the value is fresh. Default: the cache's `defaultTTL`. */
  readonly ttl?: number;
  /** Tags to invalidate the value by (`invalidateByTag`). */
  readonly tags?: readonly string[];
  /** Seconds after `ttl` during which `getOrSet` may serve it stale. Default: the cache's `grace`. */
  readonly grace?: number;
  /**
   * `set`/`mset` only (getOrSet fences its own loads): what `fence()` captured before the value
   * was loaded. The write is dropped when one of its tags was invalidated since, and the entry
   * records the fenced versions, so an invalidation this instance has not heard of yet still makes
   * it stale at once. A load that began before an invalidation never stores what it read.
   */
  readonly fence?: TagFence;
}

export interface CacheItem<T = unknown> extends CacheSetOptions {
  readonly key: string;
  readonly value: T;
}

/**
 * The multi-tier cache: L1 in-process LRU, L2 Redis (optional), loaders that cannot stampede,
 * lazy tag invalidation, grace, and cross-instance L1 eviction over pub/sub. Every method is safe
 * to call while Redis is down: it degrades to L1 + loader and recovers by itself.
 *
 * Cached values are shared, not copied, between L1 readers: treat them as immutable.
 */
export class MultiTierCache {
  readonly name: string;
  /** Prefix of this cache's Redis keys and channels. */
  readonly prefix: string;
  readonly #t: CacheTiers;
  readonly #loads: LoadCoordinator;
  readonly #batches: BatchReadThrough;
  readonly #maxKey: number;
  readonly #defaultTtlMs: number;
  readonly #graceMs: number;
  readonly #beta: number;
  #closed = false;

  constructor(options: MultiTierCacheOptions = {}) {
    const resolved = resolveCacheOptions(options);
    this.name = resolved.name;
    this.prefix = resolved.prefix;
    this.#t = new CacheTiers(resolved);
    this.#loads = new LoadCoordinator(this.#t);
    this.#batches = new BatchReadThrough(
      this.#t,
      (keys) => this.mget(keys),
      (tags) => this.fence(tags),
    );
    this.#maxKey = resolved.maxKeyLength;
    this.#defaultTtlMs = resolved.defaultTtlMs;
    this.#graceMs = resolved.graceMs;
    this.#beta = resolved.earlyRefreshBeta;
  }

  /** The fresh value of `key`, or undefined. Never calls a loader, never serves stale. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (typeof key !== 'string' || key.length === 0 || key.length > this.#maxKey)
      assertKey(key, this.#maxKey);
    const t = this.#t;
    const e1 = t.l1?.get(key);
    if (
      e1 !== undefined &&
      Date.now() < e1.freshUntil &&
      (e1.tags.length === 0 || (await t.tagsCurrent(e1)))
    ) {
      t.stats.l1Hits++;
      return e1.value as T;
    }
    if (t.l1) t.stats.l1Misses++;
    if (!t.l2) return undefined;
    const e2 = await t.readL2(key);
    if (
      e2 !== undefined &&
      Date.now() < e2.freshUntil &&
      (e2.tags.length === 0 || (await t.tagsCurrent(e2)))
    ) {
      t.l1?.set({ key, entry: e2, ttlMs: e2.staleUntil - Date.now() });
      t.stats.l2Hits++;
      return e2.value as T;
    }
    t.stats.l2Misses++;
    return undefined;
  }

  /** Stores `value` on every tier. Throws CACHE_VALUE_NOT_SERIALIZABLE (storing nothing). */
  async set<T>(key: string, value: T, options: CacheSetOptions = {}): Promise<void> {
    await this.mset([{ key, value, ...options }]);
  }

  /**
   * The value of `key`; on a miss, calls `loader` once across every caller of every process,
   * stores its result and returns it. Within grace, a stale value is returned at once while one
   * refresh runs.
   */
  getOrSet<T>(
    key: string,
    loader: Loader<T>,
    options: CacheSetOptions & { readonly earlyRefreshBeta?: number } = {},
  ): Promise<T> {
    if (typeof key !== 'string' || key.length === 0 || key.length > this.#maxKey) {
      try {
        assertKey(key, this.#maxKey);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const t = this.#t;
    const entry = t.l1?.get(key);
    // Hot path: a fresh L1 entry whose tags this instance knows to be current costs no await.
    if (entry !== undefined) {
      const now = Date.now();
      if (now < entry.freshUntil && (entry.tags.length === 0 || t.tags.check(entry) === true)) {
        t.stats.l1Hits++;
        const beta = options.earlyRefreshBeta ?? this.#beta;
        if (
          beta > 0 &&
          entry.loadMs > 0 &&
          now - entry.loadMs * beta * Math.log(Math.random()) >= entry.freshUntil
        ) {
          try {
            this.#loads.refreshInBackground(key, loader, this.#settings(key, options), entry);
            t.stats.earlyRefreshes++;
          } catch {
            // Bad per-call options: the value is served; the next miss reports them.
          }
        }
        return Promise.resolve(entry.value as T);
      }
    }
    try {
      return this.#loads.resolve(key, loader, this.#settings(key, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A batch read through the cache: the values of `keys` in order, the misses loaded by one
   * `load` call — once across the concurrent callers of this process and, on cold keys with
   * Redis, across processes — and stored fenced on their tags (a load that raced an invalidation
   * stores nothing). Partial hits: only the misses are loaded; `usable` may refuse a cached value
   * (it is then loaded, handed over as `previous`). Per key: a value, an `Error` (never stored or
   * shared), or undefined (no value). See `BatchReadThrough`.
   */
  readThrough<T>(
    keys: readonly string[],
    load: BatchLoad<T>,
    options: ReadThroughOptions<T> = {},
  ): Promise<ReadThroughResult<T>> {
    const { ttl } = options;
    if (typeof ttl === 'number' && !(ttl > 0 && Number.isFinite(ttl)))
      return Promise.reject(badCallOption('ttl', ttl, keys[0] ?? ''));
    return this.#batches.run(keys, load, options);
  }

  /** Fresh values of `keys` in order (undefined for misses): L1, then one L2 round trip. */
  async mget<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const t = this.#t;
    const out = new Array<T | undefined>(keys.length);
    const missing: number[] = [];
    const now = Date.now();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (typeof key !== 'string' || key.length === 0 || key.length > this.#maxKey)
        assertKey(key, this.#maxKey);
      const e = t.l1?.get(key);
      if (e !== undefined && now < e.freshUntil && (e.tags.length === 0 || t.tags.check(e) === true)) {
        out[i] = e.value as T;
      } else {
        out[i] = undefined;
        missing.push(i);
      }
    }
    if (t.l1) {
      t.stats.l1Hits += keys.length - missing.length;
      t.stats.l1Misses += missing.length;
    }
    if (missing.length === 0 || !t.l2 || !t.guard) return out;
    const l2 = t.l2;
    const found = await t.guard.run(() => l2.mget(missing.map((i) => keys[i]!)));
    if (found === UNAVAILABLE) {
      t.stats.l2Misses += missing.length;
      return out;
    }
    await this.#learnTags(found);
    const after = Date.now();
    found.forEach((entry, j) => {
      const i = missing[j]!;
      if (entry && after < entry.freshUntil && (entry.tags.length === 0 || t.tags.check(entry) === true)) {
        out[i] = entry.value as T;
        t.l1?.set({ key: keys[i]!, entry, ttlMs: entry.staleUntil - after });
        t.stats.l2Hits++;
      } else {
        t.stats.l2Misses++;
      }
    });
    return out;
  }

  /**
   * Stores several values: all are serialized first (one bad value stores none), then L1, then
   * one L2 round trip for all of them.
   */
  async mset(items: readonly CacheItem[]): Promise<void> {
    if (items.length === 0) return;
    const t = this.#t;
    const settings = items.map((item) => {
      assertKey(item.key, this.#maxKey);
      return this.#settings(item.key, item);
    });
    const allTags = [...new Set(settings.flatMap((s) => s.tags))];
    if (allTags.length > 0) await t.tags.snapshot(allTags);
    const now = Date.now();
    const writes: PreparedWrite[] = [];
    for (let i = 0; i < items.length; i++) {
      const s = settings[i]!;
      let tagVersions = s.tags.length === 0 ? [] : await t.tags.snapshot(s.tags);
      const fence = items[i]!.fence;
      if (fence) {
        const fenced = fencedVersions(s.tags, tagVersions, fence);
        if (!fenced) {
          t.stats.fencedWrites++;
          continue;
        }
        tagVersions = fenced;
      }
      writes.push(
        t.prepare(items[i]!.key, items[i]!.value, { ...s, tagVersions, createdAt: now, loadMs: 0 }),
      );
    }
    if (writes.length > 0) await t.store(writes);
  }

  /**
   * Captures the current versions of `tags` (one Redis round trip for those this instance does not
   * know) and the time, before loading values to store with `set`/`mset({ fence })`: a tag
   * invalidated during the load then drops the write instead of storing stale data. Tags not known
   * before the load may be left out; they are judged by time, allowing `clockSkewMs` (default
   * 1000) between this process and Redis.
   */
  async fence(tags: readonly string[] = [], clockSkewMs = 1000): Promise<TagFence> {
    const notBefore = Date.now() - clockSkewMs;
    const unique = [...new Set(normaliseTags(tags))];
    const versions = await this.#t.tags.snapshot(unique);
    return { versions: new Map(unique.map((tag, i) => [tag, versions[i]!])), notBefore };
  }

  /** Deletes keys from every tier, and from L1 on every other instance. */
  async delete(keys: string | readonly string[]): Promise<void> {
    const list: readonly string[] = Array.isArray(keys) ? keys : [keys as string];
    for (const key of list) assertKey(key, this.#maxKey);
    if (list.length > 0) await this.#t.delete(list);
  }

  /**
   * Invalidates every entry tagged with any of `tags`, on every tier and instance. O(1) per tag:
   * the tag's version moves and older entries stop being served (see TagVersions).
   */
  async invalidateByTag(tags: string | readonly string[]): Promise<void> {
    const list: readonly string[] = Array.isArray(tags) ? [...new Set(tags)] : [tags as string];
    for (const tag of list) assertTag(tag);
    if (list.length > 0) await this.#t.invalidateTags(list);
  }

  /** A view whose keys are prefixed with `name:` and which `clear()` empties by a version bump. */
  namespace(name: string): CacheNamespace {
    return new CacheNamespace(this, name);
  }

  /**
   * Resolves true once Redis is connected and cross-instance messages are being received
   * (at once without L2), false after `timeoutMs`. Until then the cache works on L1 + loader:
   * await it at start-up so the first requests share L2 and the cross-process lock.
   */
  async ready(timeoutMs = 5000): Promise<boolean> {
    const guard = this.#t.guard;
    if (!guard) return true;
    const deadline = Date.now() + timeoutMs;
    while (guard.redis.status !== 'ready') {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.#t.bus ? this.#t.bus.ready(Math.max(0, deadline - Date.now())) : true;
  }

  /** True while Redis is used (connected, breaker closed or probing). */
  get l2Available(): boolean {
    return this.#t.guard?.usable ?? false;
  }

  stats(): CacheStatsSnapshot {
    const s = this.#t.stats;
    const hits = s.l1Hits + s.l2Hits;
    const finalMisses = this.#t.l2 ? s.l2Misses : s.l1Misses;
    return {
      hits: { l1: s.l1Hits, l2: s.l2Hits, total: hits },
      misses: { l1: s.l1Misses, l2: s.l2Misses, total: finalMisses },
      hitRate: hits + finalMisses === 0 ? 0 : hits / (hits + finalMisses),
      loaderCalls: s.loaderCalls,
      loaderErrors: s.loaderErrors,
      staleServed: s.staleServed,
      stampedeWaits: { local: s.localWaits, distributed: s.distributedWaits },
      earlyRefreshes: s.earlyRefreshes,
      evictions: this.#t.l1?.evictions ?? 0,
      l1: { entries: this.#t.l1?.size ?? 0, bytes: this.#t.l1?.bytes ?? 0 },
      l2: {
        errors: s.l2Errors,
        skipped: s.l2Skipped,
        bytesWritten: s.l2BytesWritten,
        breaker: this.#t.guard?.breaker.state ?? 'none',
      },
      tagInvalidations: s.tagInvalidations,
      deletes: s.deletes,
      fencedWrites: s.fencedWrites,
    };
  }

  /** The raw entry of `key` in L1 (diagnostics: TTLs, tags, size). */
  peek(key: string): CacheEntry | undefined {
    return this.#t.l1?.get(key);
  }

  /** Stops listening on the bus and renewing locks. The Redis client passed in is left open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#t.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #settings(key: string, options: CacheSetOptions): LoadSettings {
    const ttl = options.ttl;
    const grace = options.grace;
    if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
      throw badCallOption('ttl', ttl, key);
    }
    if (grace !== undefined && !(typeof grace === 'number' && grace >= 0 && Number.isFinite(grace))) {
      throw badCallOption('grace', grace, key);
    }
    return {
      ttlMs: ttl === undefined ? this.#defaultTtlMs : ttl * 1000,
      graceMs: grace === undefined ? this.#graceMs : grace * 1000,
      tags: normaliseTags(options.tags),
    };
  }

  async #learnTags(entries: readonly (CacheEntry | undefined)[]): Promise<void> {
    const unknown = new Set<string>();
    for (const entry of entries) {
      if (entry && entry.tags.length > 0 && this.#t.tags.check(entry) === undefined) {
        for (const tag of entry.tags) unknown.add(tag);
      }
    }
    if (unknown.size > 0) await this.#t.tags.fetch([...unknown]);
  }
}

function badCallOption(field: string, value: unknown, key: string): IntelGraphError {
  return new IntelGraphError(
    'CONFIG_INVALID',
    `Cache option ${field}=${String(value)} for key '${key}': expected a finite number of seconds (> 0 for ttl, >= 0 for grace)`,
    {
      input: value,
      details: { field },
    },
  );
}
