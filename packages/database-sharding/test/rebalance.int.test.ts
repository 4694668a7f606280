import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rebalancer, routableId } from '../src/index.js';
import { ENTITIES_DDL, type ShardedCluster, startShardedCluster } from './fixtures/sharded-cluster.js';

interface Row {
  id: string;
  tenant_id: string;
  score: number;
}

describe('rebalancing: adding a fourth shard under concurrent writes', () => {
  let cluster: ShardedCluster;
  let added: TestDatabase;

  beforeAll(async () => {
    cluster = await startShardedCluster('ig_shard_rb', { withReplicas: false });
    added = await createTestDatabase('ig_shard_rb_new');
    const c = new pg.Client({ connectionString: added.url });
    await c.connect();
    await c.query(ENTITIES_DDL);
    await c.end();
  });
  afterAll(async () => {
    await cluster?.close();
    await added?.drop();
  });

  it('abandons the move before switching when a transaction on a moving key outlasts the fence timeout', async () => {
    const { distributor, router, manager } = cluster;
    const tenants = Array.from({ length: 40 }, (_, i) => `pre-${i}`);
    for (const t of tenants) {
      await distributor.executeOnShard({
        sql: 'INSERT INTO entities (id, tenant_id, kind, score, name) VALUES ($1, $2, $3, 1, $4)',
        params: [routableId(t), t, 'k', 'n'],
        context: { shardKey: t },
      });
    }
    const rebalancer = new Rebalancer({
      manager,
      router,
      tables: [{ name: 'entities', shardKeyColumn: 'tenant_id', primaryKey: ['id'] }],
      fenceTimeoutMs: 300,
    });
    const plan = await rebalancer.plan({ id: 'shard-3', primary: added.url });
    const moving = [...plan.moves.values()].flat()[0]!;
    let finish!: () => void;
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // Holds no lock PostgreSQL would wait on (the copy must proceed): only the fence sees it.
    const stuck = distributor.transaction(moving, async (tx) => {
      await tx.query('SELECT 1');
      await held;
    });
    const started = performance.now();
    const error = await rebalancer.execute(plan).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(4000); // the fence timeout, not a statement timeout
    expect((error as Error).cause).toMatchObject({
      message: expect.stringMatching(/did not finish within 300 ms/),
    });
    finish();
    await stuck;
    expect(error).toMatchObject({ code: 'SHARD_REBALANCE_FAILED', details: { switched: false } });
    expect(router.shardIds).toEqual(['shard-0', 'shard-1', 'shard-2']);
    const c = new pg.Client({ connectionString: added.url });
    await c.connect();
    const onTarget = await c.query('SELECT count(*)::int AS n FROM entities');
    await c.end();
    expect(onTarget.rows[0].n).toBe(0);
    const { rows } = await distributor.broadcast<{ n: string }>({
      sql: 'SELECT count(*) AS n FROM entities',
      merge: { aggregates: { n: 'count' } },
    });
    expect(rows[0]!.n).toBe(String(tenants.length));
    await distributor.eachShard('DELETE FROM entities');
  });

  it('moves exactly the keys the new ring gives the new shard, losing no write made during the move', async () => {
    const { distributor, router, manager } = cluster;
    const expected = new Map<string, Row>();
    const tenants = Array.from({ length: 80 }, (_, i) => `tenant-${i}`);
    const insert = async (tenant: string, score: number): Promise<void> => {
      const id = routableId(tenant);
      await distributor.executeOnShard({
        sql: 'INSERT INTO entities (id, tenant_id, kind, score, name) VALUES ($1, $2, $3, $4, $5)',
        params: [id, tenant, 'k', score, 'n'],
        context: { shardKey: tenant },
      });
      expected.set(id, { id, tenant_id: tenant, score });
    };
    for (const tenant of tenants) for (let j = 0; j < 25; j++) await insert(tenant, j);

    const rebalancer = new Rebalancer({
      manager,
      router,
      tables: [{ name: 'entities', shardKeyColumn: 'tenant_id', primaryKey: ['id'] }],
      batchSize: 200,
    });
    const plan = await rebalancer.plan({ id: 'shard-3', primary: added.url, replicas: [added.replicaUrl] });
    expect(plan.totalKeys).toBe(tenants.length);
    expect(plan.movedKeys).toBeGreaterThan(5);
    expect(plan.movedKeys).toBeLessThan(40);
    expect([...plan.moves.values()].flat().every((k) => plan.strategy.route(k) === 'shard-3')).toBe(true);

    // Four writers, each owning a slice of the tenants (plus tenants that appear mid-move), keep
    // inserting, updating and deleting through the distributor until the move is over.
    let stop = false;
    const failures: unknown[] = [];
    let ops = 0;
    const writer = async (w: number): Promise<void> => {
      const mine = [
        ...tenants.filter((_, i) => i % 4 === w),
        ...Array.from({ length: 5 }, (_, i) => `late-${w}-${i}`),
      ];
      let n = 0;
      while (!stop) {
        const tenant = mine[n++ % mine.length]!;
        const rows = [...expected.values()].filter((r) => r.tenant_id === tenant);
        try {
          if (n % 3 === 0 && rows.length > 0) {
            const victim = rows[n % rows.length]!;
            await distributor.executeOnShard({
              sql: 'DELETE FROM entities WHERE id = $1',
              params: [victim.id],
              context: { shardKey: tenant },
            });
            expected.delete(victim.id);
          } else if (n % 3 === 1 && rows.length > 0) {
            const target = rows[n % rows.length]!;
            await distributor.transaction(tenant, async (tx) => {
              await tx.query('UPDATE entities SET score = $2 WHERE id = $1', [target.id, n]);
            });
            expected.set(target.id, { ...target, score: n });
          } else {
            await insert(tenant, n);
          }
          ops++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((r) => setTimeout(r, 150));
    const opsBefore = ops;
    const report = await rebalancer.execute(plan);
    const opsDuring = ops - opsBefore;
    // Right after the switch, reads of moved tenants (which may go to the new shard's replica) see their rows.
    const movedTenants = [...plan.moves.values()].flat().slice(0, 8);
    const movedReads = await Promise.all(
      movedTenants.map((t) =>
        distributor.executeOnShard<{ n: number }>({
          sql: 'SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1',
          params: [t],
          context: { shardKey: t, readonly: true },
        }),
      ),
    );
    for (const r of movedReads) expect(r.shardId).toBe('shard-3');
    expect(movedReads.every((r) => r.rows[0]!.n > 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await Promise.all(writers);

    expect(failures).toEqual([]);
    expect(opsDuring).toBeGreaterThan(0);
    expect(router.shardIds).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3']);
    expect(report.copiedRows).toBeGreaterThan(0);
    expect(report.leftoverCapture).toEqual([]);
    expect(report.movedKeys).toBeGreaterThanOrEqual(plan.movedKeys);

    // Every row is on exactly the shard the new ring names, and the rows are exactly the expected ones.
    const found = new Map<string, Row & { shard: string }>();
    const urls = [...cluster.databases.map((d) => d.url), added.url];
    for (const [i, url] of urls.entries()) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query<Row>('SELECT id, tenant_id, score FROM entities');
      const leftovers = await c.query("SELECT to_regclass('ig_rebalance_log') AS log");
      await c.end();
      expect(leftovers.rows[0].log).toBeNull();
      for (const row of rows) {
        expect(found.has(row.id), `row ${row.id} on two shards`).toBe(false);
        expect(router.route(row.tenant_id), `row of ${row.tenant_id} on shard-${i}`).toBe(`shard-${i}`);
        found.set(row.id, { ...row, shard: `shard-${i}` });
      }
    }
    expect(found.size).toBe(expected.size);
    for (const [id, row] of expected) expect(found.get(id), id).toMatchObject(row);
    const onNew = [...found.values()].filter((r) => r.shard === 'shard-3').length;
    expect(onNew).toBeGreaterThan(0);
  });
});
