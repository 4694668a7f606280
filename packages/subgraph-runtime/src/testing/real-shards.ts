import type { ShardConfig } from '@intelgraph/database-sharding';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';

export interface RealShards {
  readonly shards: ShardConfig[];
  readonly databases: TestDatabase[];
  drop(): Promise<void>;
}

/**
 * `count` throwaway databases on the real PostgreSQL primary, each a shard whose replica is the
 * same database on the real streaming replica (what `DATABASE_SHARDS` would say in production).
 */
export async function createRealShards(prefix: string, count: number): Promise<RealShards> {
  const databases: TestDatabase[] = [];
  for (let i = 0; i < count; i += 1) databases.push(await createTestDatabase(`${prefix}${i}`));
  return {
    databases,
    shards: databases.map((db, i) => ({ id: `pg-${i}`, primary: db.url, replicas: [db.replicaUrl] })),
    async drop() {
      for (const db of databases) await db.drop().catch(() => {});
    },
  };
}
