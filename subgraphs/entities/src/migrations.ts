import type { Migration } from '@intelgraph/subgraph-runtime';

/** The entities tables, on every shard; every row keyed by its tenant (the shard key). */
export const entitiesMigrations: readonly Migration[] = [
  {
    id: '001_entities_relationships',
    sql: `
      CREATE TABLE entities (
        tenant_id text NOT NULL,
        id text NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        attributes jsonb NOT NULL DEFAULT '{}',
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX entities_by_created ON entities (tenant_id, created_at DESC, id DESC);
      CREATE INDEX entities_by_creator ON entities (tenant_id, created_by, created_at DESC, id DESC);
      CREATE TABLE relationships (
        tenant_id text NOT NULL,
        id text NOT NULL,
        kind text NOT NULL,
        from_id text NOT NULL,
        to_id text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, from_id, to_id, kind)
      );
      CREATE INDEX relationships_to ON relationships (tenant_id, to_id);
    `,
  },
];
