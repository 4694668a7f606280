import type { Migration } from '@intelgraph/subgraph-runtime';

/**
 * The investigations read model, on every shard. It is a projection: every row here is derived
 * from the investigation events (see domain/projection.ts) and can be rebuilt from them.
 */
export const investigationsMigrations: readonly Migration[] = [
  {
    id: '001_investigations_projection',
    sql: `
      CREATE TABLE investigations (
        tenant_id text NOT NULL,
        id text NOT NULL,
        title text NOT NULL,
        description text NOT NULL,
        status text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        version integer NOT NULL,
        entity_count integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX investigations_by_created ON investigations (tenant_id, created_at DESC, id DESC);
      CREATE TABLE investigation_entities (
        tenant_id text NOT NULL,
        investigation_id text NOT NULL,
        entity_id text NOT NULL,
        added_by text NOT NULL,
        added_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, investigation_id, entity_id)
      );
      CREATE INDEX investigation_entities_by_entity ON investigation_entities (tenant_id, entity_id);
    `,
  },
];
