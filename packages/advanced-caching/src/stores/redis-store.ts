import type { Cluster, Redis } from 'ioredis';
import type { CacheEntry } from '../entry/cache-entry.js';
import type { RedisClient } from '../options/cache-options.js';
import type { EntryCodec } from '../serialization/entry-codec.js';
import type { CacheStore, StoreWrite } from './cache-store.js';
import type { RedisKeys } from './redis-keys.js';

/** A pub/sub message sent in the same round trip as a write. */
export interface Notice {
  readonly channel: string;
  readonly message: string;
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/**
 * L2: entries encoded by EntryCodec in Redis, one string key per entry with a millisecond TTL.
 * Multi-key calls are one round trip on a single node (MGET, one pipeline for SETs); on a Cluster
 * they fan out per key, which ioredis groups per node. Errors propagate: MultiTierCache wraps
 * every call in its circuit breaker and timeout.
 */
export class RedisStore implements CacheStore {
  readonly tier = 'l2';
  readonly #redis: RedisClient;
  readonly #codec: EntryCodec;
  readonly #keys: RedisKeys;
  readonly #maxTtlMs: number;
  readonly #cluster: boolean;

  constructor(redis: RedisClient, codec: EntryCodec, keys: RedisKeys, maxTtlMs: number) {
    this.#redis = redis;
    this.#codec = codec;
    this.#keys = keys;
    this.#maxTtlMs = maxTtlMs;
    this.#cluster = isCluster(redis);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    return this.#codec.decodeEntry(await this.#redis.getBuffer(this.#keys.data(key)));
  }

  async mget(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    if (keys.length === 0) return [];
    const names = keys.map((key) => this.#keys.data(key));
    const raw = this.#cluster
      ? await Promise.all(names.map((name) => this.#redis.getBuffer(name)))
      : await (this.#redis as Redis).mgetBuffer(names);
    return raw.map((data) => this.#codec.decodeEntry(data));
  }

  /** The bytes stored for `write` (encoded now unless the caller already has them). */
  encode(write: StoreWrite): Buffer {
    return (
      write.encoded ??
      this.#codec.encodeEntry(write.entry, this.#codec.encodeValue(write.key, write.entry.value))
    );
  }

  ttl(write: StoreWrite): number {
    return Math.max(1, Math.ceil(Math.min(write.ttlMs, this.#maxTtlMs)));
  }

  async set(write: StoreWrite, notice?: Notice): Promise<void> {
    const data = this.encode(write);
    if (!notice) {
      await this.#redis.set(this.#keys.data(write.key), data, 'PX', this.ttl(write));
      return;
    }
    await this.mset([write], notice);
  }

  async mset(writes: readonly StoreWrite[], notice?: Notice): Promise<void> {
    if (writes.length === 0) return;
    const encoded = writes.map((write) => this.encode(write));
    if (this.#cluster) {
      await Promise.all(
        writes.map((write, i) =>
          this.#redis.set(this.#keys.data(write.key), encoded[i]!, 'PX', this.ttl(write)),
        ),
      );
      if (notice) await this.#redis.publish(notice.channel, notice.message);
      return;
    }
    const pipeline = this.#redis.pipeline();
    writes.forEach((write, i) => {
      pipeline.set(this.#keys.data(write.key), encoded[i]!, 'PX', this.ttl(write));
    });
    if (notice) pipeline.publish(notice.channel, notice.message);
    throwFirstError(await pipeline.exec());
  }

  async delete(keys: readonly string[], notice?: Notice): Promise<void> {
    if (keys.length === 0) return;
    const names = keys.map((key) => this.#keys.data(key));
    if (this.#cluster) {
      await Promise.all(names.map((name) => this.#redis.del(name)));
      if (notice) await this.#redis.publish(notice.channel, notice.message);
      return;
    }
    const pipeline = this.#redis.pipeline().del(...names);
    if (notice) pipeline.publish(notice.channel, notice.message);
    throwFirstError(await pipeline.exec());
  }

  async clear(): Promise<void> {
    const nodes: Redis[] = this.#cluster ? (this.#redis as Cluster).nodes('master') : [this.#redis as Redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', this.#keys.dataPattern(), 'COUNT', 500);
        cursor = next;
        // One DEL per key: on a Cluster node the keys of one batch may sit in different slots.
        if (found.length > 0) await Promise.all(found.map((name) => node.del(name)));
      } while (cursor !== '0');
    }
  }
}

function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis pipeline was discarded');
  for (const [error] of results) if (error) throw error;
}
