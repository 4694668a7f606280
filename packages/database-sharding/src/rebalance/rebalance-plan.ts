import { IntelGraphError } from '@intelgraph/errors';
import { ConsistentHashRing } from '../strategies/consistent-hash-ring.js';
import type { ShardingStrategy } from '../strategies/sharding-strategy.js';

/** Which keys move where when `newShardId` joins the ring. */
export interface RebalancePlan {
  readonly newShardId: string;
  /** Shard ids routing will use after the move (current ones plus the new shard). */
  readonly shardIds: readonly string[];
  /** The routing after the move. */
  readonly strategy: ShardingStrategy;
  /** Source shard → keys that move from it to the new shard. */
  readonly moves: ReadonlyMap<string, readonly string[]>;
  /** Keys examined (all distinct shard keys found). */
  readonly totalKeys: number;
  readonly movedKeys: number;
}

/**
 * The plan for adding `newShardId` to a consistent-hash ring: each key (tenant) whose owner
 * changes on the ring with the new shard. On a consistent-hash ring every such key moves *to*
 * the new shard, about 1/(N+1) of them; a key moving anywhere else would be a bug, and is refused.
 */
export function planAddShard(
  current: { shardIds: readonly string[]; route: (key: string) => string },
  newShardId: string,
  keys: Iterable<string>,
  virtualNodes: number,
): RebalancePlan {
  if (current.shardIds.includes(newShardId)) {
    throw new IntelGraphError('SHARD_REBALANCE_FAILED', `shard '${newShardId}' is already routed to`, {
      input: newShardId,
    });
  }
  const shardIds = [...current.shardIds, newShardId];
  const ring = new ConsistentHashRing(shardIds, virtualNodes);
  const strategy: ShardingStrategy = { name: 'hash', route: (key) => ring.lookup(String(key)) };
  const moves = new Map<string, string[]>();
  let total = 0;
  let moved = 0;
  for (const key of new Set(keys)) {
    total++;
    const from = current.route(key);
    const to = ring.lookup(key);
    if (from === to) continue;
    if (to !== newShardId) {
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `key ${JSON.stringify(key)} would move from '${from}' to '${to}', not to the new shard`,
        {
          input: key,
        },
      );
    }
    moved++;
    const list = moves.get(from);
    if (list) list.push(key);
    else moves.set(from, [key]);
  }
  return { newShardId, shardIds, strategy, moves, totalKeys: total, movedKeys: moved };
}
