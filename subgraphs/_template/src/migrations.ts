import type { Migration } from '@intelgraph/subgraph-runtime';

/** Tables on every shard; every row carries its tenant (the shard key). Append, never edit, migrations. */
export const __camel__Migrations: readonly Migration[] = [
  {
    id: '001___snake___notes',
    sql: `
      CREATE TABLE __snake___notes (
        tenant_id text NOT NULL,
        id text NOT NULL,
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
    `,
  },
];
