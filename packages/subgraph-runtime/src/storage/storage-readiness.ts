import type { ShardAvailability, ShardManager } from '@intelgraph/database-sharding';
import type { Readiness } from '../http/readiness.js';

/**
 * Readiness as the shards allow it. A pod is taken out of service only when it can serve
 * nothing at all — no shard answers even a read (its own network to the databases is gone).
 * One shard's outage is shared by every pod: taking them all out of the Service would not route
 * around it, it would make every other shard unreachable too. So a shard whose primary is down
 * is reported `degraded` (reads from its replicas, writes fail fast with `SHARD_UNAVAILABLE`),
 * one with no node left `unavailable`, and the pod stays in service for every other shard.
 */
export function storageReadiness(manager: ShardManager, shardIds?: readonly string[]): Readiness {
  const shards = manager.availability(shardIds);
  return {
    serving: shards.some((s) => s.readable),
    degraded: shards.some((s) => s.status !== 'ok'),
    details: { shards: shards.map(shown) },
  };
}

function shown(s: ShardAvailability): Record<string, unknown> {
  return {
    id: s.shardId,
    status: s.status,
    writable: s.writable,
    readable: s.readable,
    primary: s.primary,
    replicas: s.replicas,
    ...(s.maxReplicaLagMs !== undefined ? { maxReplicaLagMs: s.maxReplicaLagMs } : {}),
  };
}
