import type { ShardManager } from '@intelgraph/database-sharding';

/**
 * How long after a commit every replica that reads may still be routed to has replayed it: the
 * manager routes reads only to replicas within `maxReplicaLagMs`, measured once per health
 * interval. 0 when no shard has a replica (every read is on the primary).
 */
export function replicaSettleMs(manager: ShardManager): number {
  if (!manager.shards.some((s) => s.replicas.length > 0)) return 0;
  const { maxReplicaLagMs, intervalMs } = manager.options.health;
  return maxReplicaLagMs + intervalMs;
}
