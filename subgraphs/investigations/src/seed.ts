import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@intelgraph/message-queue-enhanced';
import { bulkInsert, type SeedPlan, ShardedEventStore, type Storage } from '@intelgraph/subgraph-runtime';
import { INVESTIGATION_AGGREGATE } from './domain/investigation-events.js';
import { INVESTIGATIONS_EVENT_SCHEMA } from './investigations-subgraph.js';

/**
 * Seeds investigations the event-sourced way: each investigation's whole history
 * (InvestigationCreated, EntityAdded…, maybe InvestigationClosed) is appended to its stream in one
 * append, then the projection rows that those events produce are bulk-inserted (the same rows
 * `rebuildProjection` would derive). Skips investigations whose stream exists (idempotent).
 */
export async function seedInvestigations(
  storage: Storage,
  plan: SeedPlan,
): Promise<{ investigations: number; events: number }> {
  const events = new ShardedEventStore(storage, { schema: INVESTIGATIONS_EVENT_SCHEMA });
  await events.migrate();
  const now = Date.now();
  let investigations = 0;
  let appended = 0;
  for (const tenant of plan.tenants) {
    const store = events.storeOf(tenant.id);
    const pool = storage.manager.writer(storage.router.route(tenant.id)).pool;
    const rows: unknown[][] = [];
    const links: unknown[][] = [];
    const work = Array.from({ length: tenant.investigations }, (_, i) => i);
    const append = async (i: number): Promise<void> => {
      const inv = plan.investigation(tenant, i);
      const createdAt = new Date(now - i * 1000).toISOString();
      const closedAt = inv.closed ? new Date(now - i * 1000 + 500).toISOString() : null;
      const history: NewEvent[] = [
        {
          id: randomUUID(),
          aggregateId: inv.id,
          aggregateType: INVESTIGATION_AGGREGATE,
          eventType: 'InvestigationCreated',
          data: {
            tenantId: tenant.id,
            title: inv.title,
            description: 'seeded',
            createdBy: inv.createdBy,
            at: createdAt,
          },
        },
        ...inv.entityIndexes.map((e) => ({
          id: randomUUID(),
          aggregateId: inv.id,
          aggregateType: INVESTIGATION_AGGREGATE,
          eventType: 'EntityAdded',
          data: {
            tenantId: tenant.id,
            entityId: plan.entityId(tenant.id, e),
            addedBy: inv.createdBy,
            at: createdAt,
          },
        })),
        ...(closedAt
          ? [
              {
                id: randomUUID(),
                aggregateId: inv.id,
                aggregateType: INVESTIGATION_AGGREGATE,
                eventType: 'InvestigationClosed',
                data: { tenantId: tenant.id, closedBy: inv.createdBy, at: closedAt },
              },
            ]
          : []),
      ];
      if ((await store.currentVersion(inv.id)) > 0) return;
      await store.append(history, { expectedVersion: 0 });
      appended += history.length;
      investigations += 1;
      rows.push([
        tenant.id,
        inv.id,
        inv.title,
        'seeded',
        closedAt ? 'CLOSED' : 'OPEN',
        inv.createdBy,
        createdAt,
        closedAt,
        history.length,
        inv.entityIndexes.length,
      ]);
      inv.entityIndexes.forEach((e, k) => {
        links.push([
          tenant.id,
          inv.id,
          plan.entityId(tenant.id, e),
          inv.createdBy,
          new Date(now - i * 1000 + k).toISOString(),
        ]);
      });
    };
    // A few appends in flight per tenant: enough to hide round trips, few enough for any pool.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = work.shift(); i !== undefined; i = work.shift()) await append(i);
      }),
    );
    await bulkInsert(
      pool,
      'investigations',
      [
        'tenant_id',
        'id',
        'title',
        'description',
        'status',
        'created_by',
        'created_at',
        'closed_at',
        'version',
        'entity_count',
      ],
      ['text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'timestamptz', 'int', 'int'],
      rows,
    );
    await bulkInsert(
      pool,
      'investigation_entities',
      ['tenant_id', 'investigation_id', 'entity_id', 'added_by', 'added_at'],
      ['text', 'text', 'text', 'text', 'timestamptz'],
      links,
    );
  }
  // Fresh statistics after a bulk load, so the planner uses the indexes from the first query.
  for (const shard of storage.manager.shards)
    await shard.primary.pool.query('ANALYZE investigations, investigation_entities');
  return { investigations, events: appended };
}
