import { IntelGraphError } from '@intelgraph/errors';
import { LRUCache } from 'lru-cache';
import type { MultiTierCache } from '../cache/multi-tier-cache.js';
import type { CdnInvalidationTarget } from '../cdn/cdn-invalidation-target.js';
import { assertKey, assertTag } from '../keys/validate.js';
import type { RedisClient } from '../options/cache-options.js';
import { RedisKeys } from '../stores/redis-keys.js';

/** What a domain event asks to invalidate. Every field is optional. */
export interface InvalidationEvent {
  /** Event type, e.g. `EntityUpdated`; selects the rules registered with `on`. */
  readonly type: string;
  /** Event id: a redelivered event (same id) has no second effect. */
  readonly id?: string;
  readonly keys?: readonly string[];
  readonly tags?: readonly string[];
  /** CDN paths (`/api/entities/456`, `/exports/*`). */
  readonly paths?: readonly string[];
}

export interface InvalidationTargets {
  readonly keys?: readonly string[];
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
}

export interface InvalidationResult {
  /** Keys deleted, including dependents found transitively. */
  readonly keys: readonly string[];
  readonly tags: readonly string[];
  readonly paths: readonly string[];
  /** True when the event id was seen before and nothing was done. */
  readonly duplicate: boolean;
}

export interface CacheInvalidatorOptions {
  /** Purged by tag and path along with the cache (CloudFrontInvalidator, or any CDN). */
  readonly cdn?: CdnInvalidationTarget;
  /** How long a dependency registration lasts in Redis, seconds. Default `86_400`. */
  readonly dependencyTtl?: number;
  /** Most keys one invalidation may reach through dependencies. Default `10_000`. */
  readonly maxKeys?: number;
  /** Event ids remembered for deduplication. Default `10_000`. */
  readonly rememberEvents?: number;
}

/**
 * Invalidation driven by the write path: explicit keys, tags, dependencies between keys
 * (`registerDependency('investigation:123', 'entity:456')`: when entity 456 is invalidated,
 * investigation 123 is too) and domain events mapped to all of these, on every cache tier and,
 * optionally, the CDN.
 *
 * Dependencies are kept eagerly (a Redis set per key, so every instance sees them, mirrored in
 * memory for L1-only caches): unlike tags they are registered after the fact, by code that knows
 * a composite value was built from parts.
 */
export class CacheInvalidator {
  readonly #cache: MultiTierCache;
  readonly #redis: RedisClient | undefined;
  readonly #keys: RedisKeys;
  readonly #cdn: CdnInvalidationTarget | undefined;
  readonly #dependencyTtlMs: number;
  readonly #maxKeys: number;
  readonly #local = new Map<string, Set<string>>();
  readonly #seen: LRUCache<string, true>;
  readonly #rules = new Map<string, ((event: InvalidationEvent) => InvalidationTargets)[]>();

  constructor(cache: MultiTierCache, redis?: RedisClient, options: CacheInvalidatorOptions = {}) {
    this.#cache = cache;
    this.#redis = redis;
    this.#keys = new RedisKeys(cache.prefix);
    this.#cdn = options.cdn;
    this.#dependencyTtlMs = (options.dependencyTtl ?? 86_400) * 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#seen = new LRUCache({ max: options.rememberEvents ?? 10_000 });
  }

  /**
   * Records that `dependent` was built from `dependsOn`: invalidating `dependsOn` also
   * invalidates `dependent`. Takes effect locally at once; the Redis write (shared with the
   * other instances) is awaited by the returned promise, which never rejects.
   */
  registerDependency(dependent: string, dependsOn: string): Promise<void> {
    assertKey(dependent, 1024);
    assertKey(dependsOn, 1024);
    let set = this.#local.get(dependsOn);
    if (!set) {
      set = new Set();
      this.#local.set(dependsOn, set);
    }
    set.add(dependent);
    const redis = this.#redis;
    if (redis === undefined || redis.status !== 'ready') return Promise.resolve();
    const name = this.#keys.dependents(dependsOn);
    return redis
      .multi()
      .sadd(name, dependent)
      .pexpire(name, this.#dependencyTtlMs)
      .exec()
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** Deletes `keys` and, transitively, every key registered as depending on them. */
  async invalidate(keys: string | readonly string[]): Promise<string[]> {
    const start: readonly string[] = Array.isArray(keys) ? keys : [keys as string];
    for (const key of start) assertKey(key, 1024);
    const all = new Set<string>(start);
    let frontier = [...start];
    while (frontier.length > 0 && all.size < this.#maxKeys) {
      const found = await this.#dependentsOf(frontier);
      frontier = [];
      for (const key of found) {
        if (!all.has(key) && all.size < this.#maxKeys) {
          all.add(key);
          frontier.push(key);
        }
      }
    }
    const list = [...all];
    await this.#cache.delete(list);
    return list;
  }

  /** Invalidates tags in the cache (every tier, every instance) and at the CDN. */
  async invalidateByTag(tags: string | readonly string[]): Promise<void> {
    const list: readonly string[] = Array.isArray(tags) ? tags : [tags as string];
    for (const tag of list) assertTag(tag);
    await Promise.all([this.#cache.invalidateByTag(list), this.#cdn?.invalidateTags(list)]);
  }

  /** Maps events of `type` to what they invalidate (added to the event's own keys/tags/paths). */
  on(type: string, rule: (event: InvalidationEvent) => InvalidationTargets): this {
    const rules = this.#rules.get(type) ?? [];
    rules.push(rule);
    this.#rules.set(type, rules);
    return this;
  }

  /**
   * The entry point for a domain-event consumer (RabbitMQ, Kafka, the in-process transport):
   * invalidates what the event names and what the rules for its type add. Idempotent: an event
   * whose `id` was already handled does nothing.
   */
  async handleEvent(event: InvalidationEvent): Promise<InvalidationResult> {
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new IntelGraphError('CONFIG_INVALID', 'handleEvent expects { type, id?, keys?, tags?, paths? }', {
        input: event,
        details: { field: 'event.type' },
      });
    }
    if (event.id !== undefined && this.#seen.has(event.id)) {
      return { keys: [], tags: [], paths: [], duplicate: true };
    }
    const keys = new Set(event.keys ?? []);
    const tags = new Set(event.tags ?? []);
    const paths = new Set(event.paths ?? []);
    for (const rule of this.#rules.get(event.type) ?? []) {
      const extra = rule(event);
      for (const k of extra.keys ?? []) keys.add(k);
      for (const t of extra.tags ?? []) tags.add(t);
      for (const p of extra.paths ?? []) paths.add(p);
    }
    const deleted = keys.size > 0 ? await this.invalidate([...keys]) : [];
    if (tags.size > 0) await this.invalidateByTag([...tags]);
    if (paths.size > 0 && this.#cdn) await this.#cdn.invalidatePaths([...paths]);
    if (event.id !== undefined) this.#seen.set(event.id, true);
    return { keys: deleted, tags: [...tags], paths: [...paths], duplicate: false };
  }

  async #dependentsOf(keys: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const key of keys) {
      const local = this.#local.get(key);
      if (local) {
        found.push(...local);
        this.#local.delete(key);
      }
    }
    const redis = this.#redis;
    if (redis && redis.status === 'ready') {
      try {
        // Read and drop each set: its dependents are being invalidated and re-register when rebuilt.
        const results = await Promise.all(
          keys.map(async (key) => {
            const name = this.#keys.dependents(key);
            const [members] = (await redis.multi().smembers(name).del(name).exec()) ?? [];
            return (members?.[1] as string[] | undefined) ?? [];
          }),
        );
        for (const list of results) found.push(...list);
      } catch {
        // Redis is away: the local registrations were used; the cache's own degradation applies.
      }
    }
    return found;
  }
}
