import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { QueryDistributor, ShardManager, ShardRouter } from '../src/index.js';

/** Three throwaway databases (shards) on the loopback primary, each prepared with `setup`. */
export async function benchCluster(
  prefix: string,
  setup: string[],
): Promise<{
  databases: TestDatabase[];
  manager: ShardManager;
  router: ShardRouter;
  distributor: QueryDistributor;
  close(): Promise<void>;
}> {
  const databases: TestDatabase[] = [];
  for (let i = 0; i < 3; i++) databases.push(await createTestDatabase(`${prefix}_${i}`));
  for (const db of databases) {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const sql of setup) await c.query(sql);
    await c.end();
  }
  const manager = new ShardManager({
    strategy: 'hash',
    shards: databases.map((db, i) => ({ id: `shard-${i}`, primary: db.url })),
  });
  await manager.start();
  const router = new ShardRouter(manager);
  return {
    databases,
    manager,
    router,
    distributor: new QueryDistributor(manager, router),
    async close() {
      await manager.stop();
      for (const db of databases) await db.drop();
    },
  };
}
