import type { SqlQueryable } from '@intelgraph/message-queue-enhanced';

/** An event as the projection needs it: which aggregate, which version, what happened. */
export interface ProjectedEvent {
  readonly aggregateId: string;
  readonly version: number;
  readonly eventType: string;
  readonly data: Record<string, unknown>;
}

/**
 * The investigations read model, updated from events. Idempotent and ordered per aggregate: an
 * event applies only when the row is at `version − 1` (so a replayed or redelivered event is a
 * no-op), which lets the same function serve the write path (same transaction as the append)
 * and a full rebuild from the event log.
 */
export async function project(tx: SqlQueryable, event: ProjectedEvent): Promise<void> {
  const d = event.data as Record<string, string>;
  switch (event.eventType) {
    case 'InvestigationCreated':
      await tx.query(
        `INSERT INTO investigations (tenant_id, id, title, description, status, created_by, created_at, version)
         VALUES ($1, $2, $3, $4, 'OPEN', $5, $6::timestamptz, $7) ON CONFLICT (tenant_id, id) DO NOTHING`,
        [d.tenantId, event.aggregateId, d.title, d.description, d.createdBy, d.at, event.version],
      );
      return;
    case 'EntityAdded': {
      const { rowCount } = await tx.query(
        `UPDATE investigations SET version = $3, entity_count = entity_count + 1
         WHERE tenant_id = $1 AND id = $2 AND version = $3 - 1`,
        [d.tenantId, event.aggregateId, event.version],
      );
      if (rowCount === 1) {
        await tx.query(
          `INSERT INTO investigation_entities (tenant_id, investigation_id, entity_id, added_by, added_at)
           VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT DO NOTHING`,
          [d.tenantId, event.aggregateId, d.entityId, d.addedBy, d.at],
        );
      }
      return;
    }
    case 'InvestigationClosed':
      await tx.query(
        `UPDATE investigations SET version = $3, status = 'CLOSED', closed_at = $4::timestamptz
         WHERE tenant_id = $1 AND id = $2 AND version = $3 - 1`,
        [d.tenantId, event.aggregateId, event.version, d.at],
      );
      return;
    default:
      // A newer event type this version does not know: only its version moves.
      await tx.query(
        'UPDATE investigations SET version = $3 WHERE tenant_id = $1 AND id = $2 AND version = $3 - 1',
        [d.tenantId, event.aggregateId, event.version],
      );
  }
}
