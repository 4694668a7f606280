import type { TenantTable } from '../move/tenant-table.js';
import type { ShardManager } from '../shard-manager.js';

/** Shard → tenant → rows (over every footprint table): where each tenant's rows actually are. */
export type Census = Map<string, Map<string, number>>;

/**
 * Counts the rows of every tenant on every shard of `shardIds`, table by table (one GROUP BY per
 * table and shard, on the primary): what `status`, `plan`, `drain` and `verify --all` read.
 */
export async function takeCensus(
  manager: ShardManager,
  tables: readonly TenantTable[],
  shardIds: readonly string[],
): Promise<Census> {
  const census: Census = new Map();
  await Promise.all(
    shardIds.map(async (shardId) => {
      const tenants = new Map<string, number>();
      census.set(shardId, tenants);
      const pool = manager.shard(shardId).primary.pool;
      for (const table of tables) {
        if (!(await table.exists(pool))) continue;
        for (const [tenant, rows] of await table.rowsPerTenant(pool))
          tenants.set(tenant, (tenants.get(tenant) ?? 0) + rows);
      }
    }),
  );
  return census;
}
