import { randomUUID } from 'node:crypto';
import type { CacheEntry } from '../entry/cache-entry.js';
import { InvalidationBus } from '../invalidation/invalidation-bus.js';
import { TagVersions } from '../invalidation/tag-versions.js';
import { CacheStats } from '../metrics/cache-stats.js';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import { CircuitBreaker } from '../resilience/circuit-breaker.js';
import { GuardedRedis, UNAVAILABLE } from '../resilience/guarded-redis.js';
import { EntryCodec } from '../serialization/entry-codec.js';
import { DistributedLock } from '../stampede/distributed-lock.js';
import type { StoreWrite } from '../stores/cache-store.js';
import { MemoryStore } from '../stores/memory-store.js';
import { RedisKeys } from '../stores/redis-keys.js';
import { RedisStore } from '../stores/redis-store.js';

/** What a write needs besides the value. */
export interface EntrySpec {
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly tags: readonly string[];
  readonly tagVersions: readonly number[];
  /** When the value's load started (or now, for a plain set). */
  readonly createdAt: number;
  readonly loadMs: number;
}

export interface PreparedWrite extends StoreWrite {
  /** The encoded entry for L2, when there is an L2. */
  readonly encoded?: Buffer;
}

/** Most keys remembered for deletion while Redis is away; beyond it L2 TTLs bound staleness. */
const MAX_PENDING_DELETES = 10_000;

/**
 * The parts of one cache instance, wired together: L1, L2 behind its breaker, the bus, tag
 * versions, the lock, the codec and the counters. MultiTierCache (the API) and LoadCoordinator
 * (the miss path) share it. Internal: not exported from the package.
 */
export class CacheTiers {
  readonly options: ResolvedCacheOptions;
  readonly stats = new CacheStats();
  readonly codec: EntryCodec;
  readonly l1: MemoryStore | undefined;
  readonly l2: RedisStore | undefined;
  readonly guard: GuardedRedis | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly lock: DistributedLock | undefined;
  readonly tags: TagVersions;
  readonly keys: RedisKeys;
  readonly instanceId = randomUUID();
  readonly #pendingDeletes = new Set<string>();

  constructor(options: ResolvedCacheOptions) {
    this.options = options;
    this.codec = new EntryCodec(options);
    this.keys = new RedisKeys(options.prefix);
    this.l1 = options.l1.enabled
      ? new MemoryStore({
          maxSize: options.l1.maxSize,
          maxBytes: options.l1.maxBytes,
          maxTtlMs: options.l1.ttlMs,
        })
      : undefined;
    const redis = options.l2.redis;
    if (redis) {
      const breaker = new CircuitBreaker({
        failureThreshold: options.failureThreshold,
        resetTimeoutMs: options.resetTimeoutMs,
      });
      this.guard = new GuardedRedis(redis, breaker, options.l2.timeoutMs, this.stats, () =>
        this.#onRecover(),
      );
      this.l2 = new RedisStore(redis, this.codec, this.keys, options.l2.ttlMs);
      this.lock = new DistributedLock(this.guard, this.keys, options.lockLeaseMs);
      if (options.crossInstanceInvalidation) {
        this.bus = new InvalidationBus(redis, this.keys, this.instanceId, {
          onKeys: (keys) => this.l1?.delete(keys),
          onTags: (versions) => this.tags.apply(versions),
          onResync: () => this.tags.reset(),
        });
      }
    }
    // Tag keys outlive every entry that could carry them (an expired tag key only causes misses).
    this.tags = new TagVersions(this.guard, this.keys, options.l2.ttlMs * 2 + options.graceMs);
  }

  /** Are the entry's tags current? Fetches unknown tag versions (one round trip) when needed. */
  async tagsCurrent(entry: CacheEntry): Promise<boolean> {
    if (entry.tags.length === 0) return true;
    const known = this.tags.check(entry);
    if (known !== undefined) return known;
    await this.tags.fetch(entry.tags);
    return this.tags.check(entry) === true;
  }

  /** Reads L2; `undefined` on a miss or when Redis is unavailable. */
  async readL2(key: string): Promise<CacheEntry | undefined> {
    const l2 = this.l2;
    if (!l2 || !this.guard) return undefined;
    const entry = await this.guard.run(() => l2.get(key));
    return entry === UNAVAILABLE ? undefined : entry;
  }

  /** Builds and encodes an entry; throws CACHE_VALUE_NOT_SERIALIZABLE before anything is stored. */
  prepare(key: string, value: unknown, spec: EntrySpec): PreparedWrite {
    const encodedValue = this.codec.encodeValue(key, value);
    const freshUntil = Date.now() + spec.ttlMs;
    const staleUntil = freshUntil + spec.graceMs;
    let entry: CacheEntry = {
      value,
      createdAt: spec.createdAt,
      freshUntil,
      staleUntil,
      tags: spec.tags,
      tagVersions: spec.tagVersions,
      loadMs: spec.loadMs,
      size: encodedValue.payload.length,
    };
    const ttlMs = spec.ttlMs + spec.graceMs;
    if (!this.l2) return { key, entry, ttlMs };
    const encoded = this.codec.encodeEntry(entry, encodedValue);
    entry = { ...entry, size: encoded.length };
    return { key, entry, ttlMs, encoded };
  }

  /** Stores prepared writes in L1 and (one round trip) in L2, announcing them on the bus. */
  async store(writes: readonly PreparedWrite[]): Promise<void> {
    this.l1?.mset(writes);
    const l2 = this.l2;
    if (!l2 || !this.guard || writes.length === 0) return;
    const notice = this.bus
      ? { channel: this.keys.bus, message: this.bus.keysMessage(writes.map((w) => w.key)) }
      : undefined;
    const done = await this.guard.run(() =>
      writes.length === 1 ? l2.set(writes[0]!, notice) : l2.mset(writes, notice),
    );
    if (done !== UNAVAILABLE) {
      for (const w of writes) this.stats.l2BytesWritten += w.encoded?.length ?? 0;
    } else {
      // Redis still holds the previous values: remove them once it is back.
      this.#rememberDeletes(writes.map((w) => w.key));
    }
  }

  #rememberDeletes(keys: readonly string[]): void {
    for (const key of keys)
      if (this.#pendingDeletes.size < MAX_PENDING_DELETES) this.#pendingDeletes.add(key);
  }

  /** Deletes keys on every tier and instance; remembered for L2 if Redis is away. */
  async delete(keys: readonly string[]): Promise<void> {
    this.l1?.delete(keys);
    this.stats.deletes += keys.length;
    await this.#deleteRemote(keys);
  }

  async #deleteRemote(keys: readonly string[]): Promise<void> {
    const l2 = this.l2;
    if (!l2 || !this.guard) return;
    const notice = this.bus ? { channel: this.keys.bus, message: this.bus.keysMessage(keys) } : undefined;
    const done = await this.guard.run(() => l2.delete(keys, notice));
    if (done === UNAVAILABLE) this.#rememberDeletes(keys);
  }

  /** Invalidates tags here, in Redis and (over the bus) on every other instance. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    this.stats.tagInvalidations += tags.length;
    const versions = await this.tags.bump(tags);
    if (versions && this.bus && this.guard) {
      const message = this.bus.tagsMessage(versions);
      const channel = this.keys.bus;
      await this.guard.run((redis) => redis.publish(channel, message));
    }
  }

  /**
   * Redis is back: what this instance learnt may be outdated (tag bumps and evictions published
   * while it could not hear them), and what it did meanwhile must reach Redis.
   */
  #onRecover(): void {
    this.tags.reset();
    const deletes = [...this.#pendingDeletes];
    this.#pendingDeletes.clear();
    const tags = [...this.tags.pending];
    this.tags.pending.clear();
    void (async () => {
      if (deletes.length > 0) await this.#deleteRemote(deletes);
      if (tags.length > 0) await this.invalidateTags(tags);
    })();
  }

  async close(): Promise<void> {
    this.lock?.close();
    await this.bus?.close();
  }
}
