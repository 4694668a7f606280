import { bulkInsert, type SeedPlan, type Storage } from '@intelgraph/subgraph-runtime';

/** Writes the plan's tenants and users (the accounts tables) on their shards. Idempotent. */
export async function seedAccounts(
  storage: Storage,
  plan: SeedPlan,
): Promise<{ tenants: number; users: number }> {
  const now = Date.now();
  let tenants = 0;
  let users = 0;
  for (const tenant of plan.tenants) {
    const pool = storage.manager.writer(storage.router.route(tenant.id)).pool;
    tenants += await bulkInsert(
      pool,
      'tenants',
      ['id', 'name', 'created_at'],
      ['text', 'text', 'timestamptz'],
      [[tenant.id, tenant.name, new Date(now).toISOString()]],
    );
    const rows = Array.from({ length: tenant.users }, (_, i) => [
      tenant.id,
      plan.userId(tenant.id, i),
      `user${i}@${tenant.id}.example`,
      `User ${i} of ${tenant.name}`,
      i === 0 ? 'ADMIN' : 'ANALYST',
      new Date(now - i * 1000).toISOString(),
    ]);
    users += await bulkInsert(
      pool,
      'users',
      ['tenant_id', 'id', 'email', 'name', 'role', 'created_at'],
      ['text', 'text', 'text', 'text', 'text', 'timestamptz'],
      rows,
    );
  }
  // Fresh statistics after a bulk load, so the planner uses the indexes from the first query.
  for (const shard of storage.manager.shards) await shard.primary.pool.query('ANALYZE tenants, users');
  return { tenants, users };
}
