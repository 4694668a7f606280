import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../src/entry/cache-entry.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { runCacheStoreContract } from './contract/cache-store.contract.js';

runCacheStoreContract('MemoryStore (L1)', async () => ({
  store: new MemoryStore({ maxSize: 1000, maxTtlMs: 300_000 }),
  close: async () => {},
}));

runCacheStoreContract('MemoryStore (L1, bounded by bytes)', async () => ({
  store: new MemoryStore({ maxSize: 1000, maxBytes: 1_000_000, maxTtlMs: 300_000 }),
  close: async () => {},
}));

function entry(size: number): CacheEntry {
  const now = Date.now();
  return {
    value: 'v',
    createdAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 60_000,
    tags: [],
    tagVersions: [],
    loadMs: 0,
    size,
  };
}

describe('MemoryStore bounds', () => {
  it('evicts the least recently used entry beyond maxSize and counts it', () => {
    const store = new MemoryStore({ maxSize: 2, maxTtlMs: 60_000 });
    store.set({ key: 'a', entry: entry(1), ttlMs: 60_000 });
    store.set({ key: 'b', entry: entry(1), ttlMs: 60_000 });
    store.get('a');
    store.set({ key: 'c', entry: entry(1), ttlMs: 60_000 });
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
    expect(store.evictions).toBe(1);
  });

  it('evicts by encoded bytes when bounded by bytes', () => {
    const store = new MemoryStore({ maxSize: 1000, maxBytes: 250, maxTtlMs: 60_000 });
    for (const key of ['a', 'b', 'c']) store.set({ key, entry: entry(100), ttlMs: 60_000 });
    expect(store.get('a')).toBeUndefined();
    expect(store.bytes).toBe(200);
    expect(store.evictions).toBe(1);
  });

  it('caps an entry life at its own maximum TTL', async () => {
    const store = new MemoryStore({ maxSize: 10, maxTtlMs: 30 });
    store.set({ key: 'a', entry: entry(1), ttlMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(store.get('a')).toBeUndefined();
  });
});
