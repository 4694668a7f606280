import { bulkInsert, type SeedPlan, type Storage } from '@intelgraph/subgraph-runtime';

/**
 * Writes the plan's entities and relationships on their shards (bulk inserts; idempotent). Seeded
 * rows do not go through the event store: they are a starting state, not changes.
 */
export async function seedEntities(
  storage: Storage,
  plan: SeedPlan,
): Promise<{ entities: number; relationships: number }> {
  const now = Date.now();
  let entities = 0;
  let relationships = 0;
  for (const tenant of plan.tenants) {
    const pool = storage.manager.writer(storage.router.route(tenant.id)).pool;
    const entityRows: unknown[][] = [];
    const linkRows: unknown[][] = [];
    for (let i = 0; i < tenant.entities; i += 1) {
      const e = plan.entity(tenant, i);
      const at = new Date(now - i * 1000).toISOString();
      entityRows.push([
        tenant.id,
        e.id,
        e.kind,
        e.name,
        JSON.stringify(e.attributes),
        e.createdBy,
        at,
        at,
        1,
      ]);
      for (const link of plan.linksFrom(tenant, i)) {
        linkRows.push([
          tenant.id,
          link.id,
          link.kind,
          e.id,
          plan.entityId(tenant.id, link.toIndex),
          e.createdBy,
          at,
        ]);
      }
    }
    entities += await bulkInsert(
      pool,
      'entities',
      ['tenant_id', 'id', 'kind', 'name', 'attributes', 'created_by', 'created_at', 'updated_at', 'version'],
      ['text', 'text', 'text', 'text', 'jsonb', 'text', 'timestamptz', 'timestamptz', 'int'],
      entityRows,
    );
    relationships += await bulkInsert(
      pool,
      'relationships',
      ['tenant_id', 'id', 'kind', 'from_id', 'to_id', 'created_by', 'created_at'],
      ['text', 'text', 'text', 'text', 'text', 'text', 'timestamptz'],
      linkRows,
    );
  }
  // Fresh statistics after a bulk load, so the planner uses the indexes from the first query.
  for (const shard of storage.manager.shards)
    await shard.primary.pool.query('ANALYZE entities, relationships');
  return { entities, relationships };
}
