/**
 * Where automatic persisted queries are kept: a narrow get/set so the gateway can use the
 * platform's MultiTierCache (L1 + Redis, shared by every instance) or this in-process LRU.
 */
export interface ApqStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, query: string): Promise<void>;
}

/** An in-process LRU of at most `maxEntries` queries (default 10 000). */
export function createMemoryApqStore(maxEntries = 10_000): ApqStore {
  const map = new Map<string, string>();
  return {
    async get(hash) {
      const q = map.get(hash);
      if (q !== undefined) {
        map.delete(hash);
        map.set(hash, q);
      }
      return q;
    },
    async set(hash, query) {
      map.delete(hash);
      map.set(hash, query);
      if (map.size > maxEntries) map.delete(map.keys().next().value as string);
    },
  };
}
