/** An entity as resolvers and the cache hold it (JSON-safe). */
export interface EntityRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: string;
  readonly name: string;
  readonly attributes: ReadonlyArray<{ key: string; value: string }>;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface RelationshipRecord {
  readonly id: string;
  readonly kind: string;
  readonly fromId: string;
  readonly toId: string;
  readonly createdAt: string;
  /** The entity this row was loaded for (relationship lists per entity). */
  readonly anchor?: string;
}

export const ENTITY_COLUMNS =
  'tenant_id, id, kind, name, attributes, created_by, created_at, updated_at, version';
export const RELATIONSHIP_COLUMNS = 'id, kind, from_id, to_id, created_at';

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function toEntity(row: Record<string, unknown>): EntityRecord {
  const attributes = Object.entries((row.attributes ?? {}) as Record<string, string>)
    .map(([key, value]) => ({ key, value: String(value) }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    kind: row.kind as string,
    name: row.name as string,
    attributes,
    createdBy: row.created_by as string,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: Number(row.version),
  };
}

export function toRelationship(row: Record<string, unknown>): RelationshipRecord {
  return {
    id: row.id as string,
    kind: row.kind as string,
    fromId: row.from_id as string,
    toId: row.to_id as string,
    createdAt: iso(row.created_at),
    ...(typeof row.anchor === 'string' ? { anchor: row.anchor } : {}),
  };
}
