import type { ShardNode } from './shard-node.js';

/**
 * What one shard can do right now, from its nodes' last health probes — the per-shard answer a
 * service's `/ready` reports:
 *
 * - `ok`: the primary takes writes (and serves reads when no replica is fresh enough).
 * - `degraded`: the primary is down (or in recovery: not writable), but a replica serves reads.
 *   Writes to the shard fail fast with `SHARD_UNAVAILABLE`; reads go on from the replica.
 * - `unavailable`: no node of the shard answers: every call to it fails with `SHARD_UNAVAILABLE`.
 *
 * It mirrors the manager's `reader` / `writer` choices, so what `/ready` says is what calls get.
 */
export interface ShardAvailability {
  readonly shardId: string;
  readonly status: 'ok' | 'degraded' | 'unavailable';
  /** The primary is up and not in recovery. */
  readonly writable: boolean;
  /** Some node (the primary, or a replica in recovery) serves reads. */
  readonly readable: boolean;
  readonly primary: 'up' | 'down' | 'in-recovery' | 'unknown';
  readonly replicas: {
    readonly total: number;
    /** Up and in recovery (a promoted or unreachable one is not counted). */
    readonly up: number;
    /** Up, in recovery and within the lag limit: the ones that serve reads while the primary is up. */
    readonly fresh: number;
  };
  /** Largest measured lag of the replicas that are up (ms). */
  readonly maxReplicaLagMs: number | undefined;
}

export function shardAvailability(
  shardId: string,
  primary: ShardNode,
  replicas: readonly ShardNode[],
  maxReplicaLagMs: number,
): ShardAvailability {
  const p = primary.health;
  const primaryState =
    p.status === 'down' ? 'down' : p.status === 'unknown' ? 'unknown' : p.inRecovery ? 'in-recovery' : 'up';
  const serving = replicas.filter((r) => r.health.status === 'up' && r.health.inRecovery === true);
  const fresh = serving.filter((r) => r.health.lagMs !== undefined && r.health.lagMs <= maxReplicaLagMs);
  const lags = serving.map((r) => r.health.lagMs).filter((l): l is number => l !== undefined);
  const writable = primaryState === 'up';
  const readable = primaryState !== 'down' || serving.length > 0;
  return {
    shardId,
    status: writable ? 'ok' : readable ? 'degraded' : 'unavailable',
    writable,
    readable,
    primary: primaryState,
    replicas: { total: replicas.length, up: serving.length, fresh: fresh.length },
    maxReplicaLagMs: lags.length > 0 ? Math.max(...lags) : undefined,
  };
}
