import type { Migration } from '@intelgraph/subgraph-runtime';

/** The accounts tables, on every shard. Every row is keyed by its tenant (the shard key). */
export const accountsMigrations: readonly Migration[] = [
  {
    id: '001_tenants_users',
    sql: `
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE users (
        tenant_id text NOT NULL,
        id text NOT NULL,
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, email)
      );
      CREATE INDEX users_by_created ON users (tenant_id, created_at DESC, id DESC);
    `,
  },
];
