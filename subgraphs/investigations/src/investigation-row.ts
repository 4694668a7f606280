/** An investigation as the read model holds it (JSON-safe). */
export interface InvestigationRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly title: string;
  readonly description: string;
  readonly status: 'OPEN' | 'CLOSED';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
  readonly version: number;
  readonly entityCount: number;
}

export const INVESTIGATION_COLUMNS =
  'tenant_id, id, title, description, status, created_by, created_at, closed_at, version, entity_count';

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function toInvestigation(row: Record<string, unknown>): InvestigationRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    title: row.title as string,
    description: row.description as string,
    status: row.status as 'OPEN' | 'CLOSED',
    createdBy: row.created_by as string,
    createdAt: iso(row.created_at),
    closedAt: row.closed_at == null ? null : iso(row.closed_at),
    version: Number(row.version),
    entityCount: Number(row.entity_count),
  };
}
