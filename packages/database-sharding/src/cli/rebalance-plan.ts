import { ConsistentHashRing } from '../strategies/consistent-hash-ring.js';
import { ShardMap, type ShardMapSnapshot } from '../topology/shard-map.js';
import type { Census } from './tenant-census.js';

export interface PlannedMove {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly rows: number;
}

export interface RebalancePlanView {
  readonly version: number;
  /** The ring now, and the ring once pending shards join and draining ones are gone. */
  readonly ring: { readonly current: readonly string[]; readonly next: readonly string[] };
  readonly ringChanges: boolean;
  readonly moves: readonly PlannedMove[];
  readonly tenants: number;
  readonly rows: number;
  /** Tenants whose rows sit on a shard the map does not route them to (need attention). */
  readonly strays: ReadonlyArray<{ readonly tenant: string; readonly shard: string; readonly rows: number }>;
}

/**
 * Which tenants a rebalance moves and how much data: the next ring is every `active` and
 * `pending` shard (a `draining` one leaves it); a tenant moves when the shard the map routes it
 * to is not its owner on that ring — unless it is pinned there on purpose (a placement without a
 * target, made by `move --to`). Tenants are those with rows on some shard (the census).
 */
export function planRebalance(snapshot: ShardMapSnapshot, census: Census): RebalancePlanView {
  const map = new ShardMap(snapshot);
  const nextIds = snapshot.shards.filter((s) => s.state !== 'draining').map((s) => s.id);
  const next = new ConsistentHashRing(nextIds, snapshot.virtualNodes);
  const moves: PlannedMove[] = [];
  const strays: Array<{ tenant: string; shard: string; rows: number }> = [];
  const seen = new Set<string>();
  let rows = 0;
  for (const [shard, tenants] of census) {
    for (const [tenant, n] of tenants) {
      rows += n;
      const routed = map.route(tenant);
      if (routed !== shard) {
        // Rows left on a shard the tenant is not routed to: a move in progress keeps them on
        // its source until the switch; anything else is a stray.
        const p = map.placement(tenant);
        if (!(p && (p.state === 'moving' || p.state === 'fenced') && p.targetShardId === shard))
          strays.push({ tenant, shard, rows: n });
        continue;
      }
      if (seen.has(tenant)) continue;
      seen.add(tenant);
      const placement = map.placement(tenant);
      const explicitPin = placement?.state === 'pinned' && placement.targetShardId === undefined;
      const to = explicitPin ? routed : (placement?.targetShardId ?? next.lookup(tenant));
      if (to !== routed) moves.push({ tenant, from: routed, to, rows: n });
    }
  }
  moves.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  return {
    version: snapshot.version,
    ring: { current: map.ringIds, next: next.shardIds },
    ringChanges: map.ringIds.join() !== next.shardIds.join(),
    moves,
    tenants: seen.size,
    rows,
    strays,
  };
}
