import type { ShardConfig } from '../config/shard-manager-options.js';
import { ConsistentHashRing } from '../strategies/consistent-hash-ring.js';
import { keyString, type ShardingStrategy, type ShardKey } from '../strategies/sharding-strategy.js';

/**
 * - `active`: on the hash ring; owns the keys the ring gives it.
 * - `pending`: added (pools, migrations), not on the ring yet: owns only tenants placed on it.
 * - `draining`: off the ring; still serves the tenants placed on it until they have moved.
 */
export type StoredShardState = 'active' | 'pending' | 'draining';

export interface StoredShard extends ShardConfig {
  readonly state: StoredShardState;
}

/**
 * A tenant whose shard is not (or not yet) the ring's answer.
 * - `pinned`: lives on `shardId` (an explicit placement, or kept in place while a ring change waits for its move).
 * - `moving`: being copied from `shardId` to `targetShardId`; reads and writes still go to `shardId`.
 * - `fenced`: the cut-over: writes are held (then fail with `TENANT_MOVING`) on every instance,
 *   reads still go to `shardId`, until the map moves the tenant to `targetShardId`.
 */
export type PlacementState = 'pinned' | 'moving' | 'fenced';

export interface TenantPlacement {
  readonly tenant: string;
  readonly shardId: string;
  readonly state: PlacementState;
  readonly targetShardId: string | undefined;
  readonly moveId: string | undefined;
}

/** One version of the stored shard map, as read from the metadata database. */
export interface ShardMapSnapshot {
  /** Increases by one at every change; every instance applies versions in order. */
  readonly version: number;
  readonly strategy: 'hash';
  readonly virtualNodes: number;
  /** Every shard, in the order they were added. */
  readonly shards: readonly StoredShard[];
  readonly placements: readonly TenantPlacement[];
}

/**
 * Routing from a stored map: a tenant with a placement goes to its `shardId`; any other key to
 * the owner on the consistent-hash ring of the `active` shards. The ring's inputs (the active
 * shard ids and the virtual node count) are in the map, so every instance computes the same
 * placement. A lookup is one `Map.get` (skipped while nothing is placed) plus the ring's binary
 * search: no allocation.
 */
export class ShardMap implements ShardingStrategy {
  readonly name = 'hash' as const;
  readonly snapshot: ShardMapSnapshot;
  readonly ring: ConsistentHashRing;
  readonly #placements: ReadonlyMap<string, TenantPlacement>;
  readonly #pinned: ReadonlyMap<string, string>;

  constructor(snapshot: ShardMapSnapshot) {
    this.snapshot = snapshot;
    const ringIds = snapshot.shards.filter((s) => s.state === 'active').map((s) => s.id);
    if (ringIds.length === 0) throw new RangeError('a shard map needs at least one active shard');
    this.ring = new ConsistentHashRing(ringIds, snapshot.virtualNodes);
    this.#placements = new Map(snapshot.placements.map((p) => [p.tenant, p]));
    this.#pinned = new Map(snapshot.placements.map((p) => [p.tenant, p.shardId]));
  }

  get version(): number {
    return this.snapshot.version;
  }

  /** Every shard that may hold rows (all states): broadcasts and migrations go to these. */
  get shardIds(): string[] {
    return this.snapshot.shards.map((s) => s.id);
  }

  /** The shards on the ring. */
  get ringIds(): readonly string[] {
    return this.ring.shardIds;
  }

  route(key: ShardKey): string {
    const k = keyString(key);
    if (this.#pinned.size > 0) {
      const pinned = this.#pinned.get(k);
      if (pinned !== undefined) return pinned;
    }
    return this.ring.lookup(k);
  }

  /** The ring's owner, ignoring placements (where a tenant lives once its move is done). */
  ringOwner(key: ShardKey): string {
    return this.ring.lookup(keyString(key));
  }

  placement(key: ShardKey): TenantPlacement | undefined {
    return this.#placements.size > 0 ? this.#placements.get(keyString(key)) : undefined;
  }

  shard(id: string): StoredShard | undefined {
    return this.snapshot.shards.find((s) => s.id === id);
  }
}

/**
 * The tenants whose shard differs between two versions of the map: those placed in either
 * version (a move switched, a pin was added, moved or lifted) whose `route` changed. A placement
 * that changes only its state (`pinned` → `moving` → `fenced`, or an abandoned move restoring
 * it) keeps the tenant's reads and writes where they were and is not a relocation. Tenants placed
 * in neither version follow the ring; a ring change pins every tenant it would move first
 * (`rebalance`, `drain`), so they appear here when their moves switch. Sorted, each once.
 */
export function relocatedTenants(before: ShardMap, after: ShardMap): string[] {
  const tenants = new Set<string>();
  for (const placements of [before.snapshot.placements, after.snapshot.placements])
    for (const { tenant } of placements)
      if (!tenants.has(tenant) && before.route(tenant) !== after.route(tenant)) tenants.add(tenant);
  return [...tenants].sort();
}
