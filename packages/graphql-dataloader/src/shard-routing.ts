/**
 * How a loader finds the shard of each key. The narrow interface the loaders depend on, so they
 * can be used (and tested) without `@intelgraph/database-sharding`: a service adapts its
 * `ShardRouter` to it, usually with {@link shardRoutingBy}.
 */
export interface ShardRouting<K> {
  /**
   * Groups `keys` by the id of the shard that owns them. Every key must appear in exactly one
   * group. May throw for an unroutable key (a malformed id): the loader then routes the keys one
   * by one so only the bad key fails.
   */
  routeMany(keys: readonly K[]): ReadonlyMap<string, readonly K[]>;
}

/** A ShardRouting from a per-key function (`id → tenant → shard`). */
export function shardRoutingBy<K>(shardOf: (key: K) => string): ShardRouting<K> {
  return {
    routeMany(keys) {
      const groups = new Map<string, K[]>();
      for (const key of keys) {
        const shard = shardOf(key);
        const group = groups.get(shard);
        if (group) group.push(key);
        else groups.set(shard, [key]);
      }
      return groups;
    },
  };
}
