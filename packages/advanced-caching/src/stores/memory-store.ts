import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../entry/cache-entry.js';
import type { CacheStore, StoreWrite } from './cache-store.js';

export interface MemoryStoreOptions {
  /** Most entries kept. */
  readonly maxSize: number;
  /** Also bound by the entries' encoded size, bytes (`CacheEntry.size`). */
  readonly maxBytes?: number | undefined;
  /** Longest any entry stays, ms. */
  readonly maxTtlMs: number;
}

/**
 * L1: an in-process LRU (lru-cache) holding decoded entries, so a hit returns the stored object
 * itself (no copy, no parse). Callers must treat cached values as immutable.
 */
export class MemoryStore implements CacheStore {
  readonly tier = 'l1';
  /** Entries pushed out to make room (not expiries, not deletes). */
  evictions = 0;
  readonly #lru: LRUCache<string, CacheEntry>;
  readonly #maxTtlMs: number;
  readonly #bounded: boolean;

  constructor(options: MemoryStoreOptions) {
    this.#maxTtlMs = options.maxTtlMs;
    this.#bounded = options.maxBytes !== undefined;
    this.#lru = new LRUCache<string, CacheEntry>({
      max: options.maxSize,
      ...(options.maxBytes === undefined ? {} : { maxSize: options.maxBytes }),
      ttlAutopurge: false,
      updateAgeOnGet: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  /** Sum of the encoded sizes of the entries held (0 unless bounded by bytes). */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get(key: string): CacheEntry | undefined {
    return this.#lru.get(key);
  }

  mget(keys: readonly string[]): (CacheEntry | undefined)[] {
    return keys.map((key) => this.#lru.get(key));
  }

  set(write: StoreWrite): void {
    const ttl = Math.ceil(Math.min(write.ttlMs, this.#maxTtlMs));
    if (ttl <= 0) {
      this.#lru.delete(write.key);
      return;
    }
    this.#lru.set(
      write.key,
      write.entry,
      this.#bounded ? { ttl, size: Math.max(1, write.entry.size) } : { ttl },
    );
  }

  mset(writes: readonly StoreWrite[]): void {
    for (const write of writes) this.set(write);
  }

  delete(keys: readonly string[]): void {
    for (const key of keys) this.#lru.delete(key);
  }

  /** Drops every entry carrying one of `tags` (used when a tag is invalidated). */
  deleteTagged(tags: ReadonlySet<string>): number {
    let removed = 0;
    for (const [key, entry] of this.#lru.entries()) {
      if (entry.tags.some((tag) => tags.has(tag))) {
        this.#lru.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.#lru.clear();
  }
}
