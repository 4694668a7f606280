import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../entry/cache-entry.js';
import { type GuardedRedis, UNAVAILABLE } from '../resilience/guarded-redis.js';
import type { RedisKeys } from '../stores/redis-keys.js';

/*
 * Tag invalidation is lazy: a tag has a version (in Redis, shared by every instance); an entry
 * records the versions of its tags *as they were before its loader ran*; invalidating a tag bumps
 * its version, and an entry whose recorded version differs from the current one is a miss.
 *
 * Chosen over eager key sets because: invalidation is O(1) whatever the number of tagged keys
 * (no SMEMBERS + mass DEL, no unbounded sets to expire), it is one key and so Cluster-safe, and
 * it closes the race eager sets leave open — a load that started before an invalidation and
 * finishes after it would write stale data that no set remembers; here its snapshot is already
 * outdated, so it is never served. The cost: reading a tagged entry needs the tag's current
 * version, which each instance keeps in memory (updated by the bus) and fetches in one MGET when
 * it does not know it.
 *
 * Versions are `max(previous + 1, Redis TIME in ms)`, so a version never repeats even when Redis
 * lost the tag key (restart without persistence, eviction).
 */
const BUMP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
if now > v then v = now end
redis.call('SET', KEYS[1], v, 'PX', ARGV[1])
return v`;

interface BumpCapable {
  igcacheBumpTag(key: string, ttlMs: number): Promise<number>;
}

export class TagVersions {
  readonly #known: LRUCache<string, number>;
  readonly #guard: GuardedRedis | undefined;
  readonly #keys: RedisKeys | undefined;
  readonly #tagTtlMs: number;
  /** Tags bumped while Redis was unavailable: bumped there once it is back. */
  readonly pending = new Set<string>();

  constructor(guard: GuardedRedis | undefined, keys: RedisKeys | undefined, tagTtlMs: number) {
    this.#guard = guard;
    this.#keys = keys;
    this.#tagTtlMs = Math.ceil(tagTtlMs);
    this.#known = new LRUCache({ max: 100_000 });
    const redis = guard?.redis;
    if (redis && !('igcacheBumpTag' in redis)) {
      redis.defineCommand('igcacheBumpTag', { numberOfKeys: 1, lua: BUMP_SCRIPT });
    }
  }

  /** true: every tag of the entry is current; false: one was invalidated; undefined: not known here. */
  check(entry: CacheEntry): boolean | undefined {
    const { tags, tagVersions } = entry;
    for (let i = 0; i < tags.length; i++) {
      const current = this.#known.get(tags[i]!);
      if (current === undefined) return undefined;
      if (current !== tagVersions[i]) return false;
    }
    return true;
  }

  /** Current versions of `tags`, fetching the ones this instance does not know (one round trip). */
  async snapshot(tags: readonly string[]): Promise<number[]> {
    if (tags.length === 0) return [];
    const unknown = tags.filter((tag) => !this.#known.has(tag));
    if (unknown.length > 0) await this.fetch(unknown);
    return tags.map((tag) => this.#known.get(tag) ?? 0);
  }

  /** Learns the current versions of `tags` from Redis; without Redis a never-bumped tag is 0. */
  async fetch(tags: readonly string[]): Promise<void> {
    if (!this.#guard || !this.#keys) {
      for (const tag of tags) if (!this.#known.has(tag)) this.#known.set(tag, 0);
      return;
    }
    const keys = this.#keys;
    const names = tags.map((tag) => keys.tag(tag));
    const values = await this.#guard.run((redis) =>
      redis.isCluster ? Promise.all(names.map((name) => redis.get(name))) : redis.mget(names),
    );
    if (values === UNAVAILABLE) {
      // Degraded: judge by what this instance knows (an unknown tag counts as never bumped).
      for (const tag of tags) if (!this.#known.has(tag)) this.#known.set(tag, 0);
      return;
    }
    tags.forEach((tag, i) => {
      this.#raise(tag, Number(values[i] ?? 0));
    });
  }

  /**
   * Invalidates `tags`: bumps them in Redis (one round trip) and here. Returns the new versions to
   * announce on the bus, or undefined when Redis was unavailable (the bump is then local, and
   * replayed on Redis by `replayPending` once it is back).
   */
  async bump(tags: readonly string[]): Promise<Record<string, number> | undefined> {
    const versions: Record<string, number> = {};
    const guard = this.#guard;
    const keys = this.#keys;
    if (guard && keys) {
      const result = await guard.run((redis) =>
        Promise.all(
          tags.map((tag) => (redis as unknown as BumpCapable).igcacheBumpTag(keys.tag(tag), this.#tagTtlMs)),
        ),
      );
      if (result !== UNAVAILABLE) {
        tags.forEach((tag, i) => {
          versions[tag] = Number(result[i]);
          this.#raise(tag, versions[tag]!);
        });
        return versions;
      }
      for (const tag of tags) this.pending.add(tag);
    }
    for (const tag of tags) {
      const next = Math.max((this.#known.get(tag) ?? 0) + 1, Date.now());
      this.#known.set(tag, next);
      versions[tag] = next;
    }
    return guard ? undefined : versions;
  }

  /** Versions announced by another instance. */
  apply(versions: Readonly<Record<string, number>>): void {
    for (const [tag, version] of Object.entries(versions)) {
      if (typeof version === 'number') this.#raise(tag, version);
    }
  }

  /** Forget everything learnt: after a gap in the bus, versions may have moved unseen. */
  reset(): void {
    this.#known.clear();
  }

  #raise(tag: string, version: number): void {
    const current = this.#known.get(tag);
    if (current === undefined || version > current) this.#known.set(tag, version);
  }
}
