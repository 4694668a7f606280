import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/entry/cache-entry.js';
import type { CacheStore } from '../../src/stores/cache-store.js';

export interface StoreFixture {
  readonly store: CacheStore;
  close(): Promise<void>;
}

function entry<T>(value: T, overrides: Partial<Omit<CacheEntry, 'value'>> = {}): CacheEntry<T> {
  const now = Date.now();
  return {
    value,
    createdAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 120_000,
    tags: [],
    tagVersions: [],
    loadMs: 0,
    size: 16,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every cache tier (L1 memory, L2 Redis, any future one) must have. Each
 * implementation calls this with a factory giving it a fresh, empty store.
 */
export function runCacheStoreContract(name: string, create: () => Promise<StoreFixture>): void {
  describe(`CacheStore contract: ${name}`, () => {
    const withStore = (fn: (store: CacheStore) => Promise<void>) => async () => {
      const fixture = await create();
      try {
        await fn(fixture.store);
      } finally {
        await fixture.close();
      }
    };

    it(
      'misses an unknown key',
      withStore(async (store) => {
        expect(await store.get('nope')).toBeUndefined();
      }),
    );

    it(
      'returns what was set, with its metadata',
      withStore(async (store) => {
        const e = entry(
          { id: 1, name: 'Ada', nested: { list: [1, 'two', null] } },
          { tags: ['users'], tagVersions: [7], loadMs: 12 },
        );
        await store.set({ key: 'user:1', entry: e, ttlMs: 60_000 });
        const got = await store.get('user:1');
        expect(got?.value).toEqual(e.value);
        expect(got?.freshUntil).toBe(e.freshUntil);
        expect(got?.staleUntil).toBe(e.staleUntil);
        expect(got?.createdAt).toBe(e.createdAt);
        expect(got?.tags).toEqual(['users']);
        expect(got?.tagVersions).toEqual([7]);
        expect(got?.loadMs).toBe(12);
      }),
    );

    it(
      'overwrites a key',
      withStore(async (store) => {
        await store.set({ key: 'k', entry: entry('first'), ttlMs: 60_000 });
        await store.set({ key: 'k', entry: entry('second'), ttlMs: 60_000 });
        expect((await store.get('k'))?.value).toBe('second');
      }),
    );

    it(
      'answers mget in order with undefined for misses',
      withStore(async (store) => {
        await store.mset([
          { key: 'a', entry: entry(1), ttlMs: 60_000 },
          { key: 'c', entry: entry(3), ttlMs: 60_000 },
        ]);
        const got = await store.mget(['a', 'b', 'c', 'a']);
        expect(got.map((e) => e?.value)).toEqual([1, undefined, 3, 1]);
        expect(await store.mget([])).toEqual([]);
      }),
    );

    it(
      'deletes keys and leaves the others',
      withStore(async (store) => {
        await store.mset(['x', 'y', 'z'].map((key) => ({ key, entry: entry(key), ttlMs: 60_000 })));
        await store.delete(['x', 'z', 'never-set']);
        expect((await store.mget(['x', 'y', 'z'])).map((e) => e?.value)).toEqual([undefined, 'y', undefined]);
      }),
    );

    it(
      'forgets an entry after its TTL',
      withStore(async (store) => {
        await store.set({ key: 'short', entry: entry('v'), ttlMs: 40 });
        await store.set({ key: 'long', entry: entry('w'), ttlMs: 60_000 });
        await sleep(120);
        expect(await store.get('short')).toBeUndefined();
        expect((await store.get('long'))?.value).toBe('w');
      }),
    );

    it(
      'keeps keys that differ only by case or punctuation apart',
      withStore(async (store) => {
        const keys = ['K', 'k', 'k:1', 'k{1}', 'k 1', 'ключ', '🔑'];
        await store.mset(keys.map((key, i) => ({ key, entry: entry(i), ttlMs: 60_000 })));
        expect((await store.mget(keys)).map((e) => e?.value)).toEqual(keys.map((_, i) => i));
      }),
    );

    it(
      'clears everything it holds',
      withStore(async (store) => {
        await store.mset(['p', 'q'].map((key) => ({ key, entry: entry(key), ttlMs: 60_000 })));
        await store.clear();
        expect((await store.mget(['p', 'q'])).map((e) => e?.value)).toEqual([undefined, undefined]);
      }),
    );

    it(
      'stores a value of 100 kB intact',
      withStore(async (store) => {
        const big = {
          text: 'lorem ipsum '.repeat(8000),
          numbers: Array.from({ length: 1000 }, (_, i) => i * 1.5),
        };
        await store.set({ key: 'big', entry: entry(big, { size: 100_000 }), ttlMs: 60_000 });
        expect((await store.get('big'))?.value).toEqual(big);
      }),
    );
  });
}
