import { ConsistentHashRing } from './consistent-hash-ring.js';
import { keyString, type ShardingStrategy, type ShardKey } from './sharding-strategy.js';

/** Consistent hashing over all shards. */
export class HashStrategy implements ShardingStrategy {
  readonly name = 'hash';
  readonly ring: ConsistentHashRing;

  constructor(shardIds: readonly string[], virtualNodes: number) {
    this.ring = new ConsistentHashRing(shardIds, virtualNodes);
  }

  route(key: ShardKey): string {
    return this.ring.lookup(keyString(key));
  }
}
