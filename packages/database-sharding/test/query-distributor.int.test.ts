import { IntelGraphError } from '@intelgraph/errors';
import { waitForReplica } from '@intelgraph/test-support';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueryEvent, routableId } from '../src/index.js';
import { type ShardedCluster, startShardedCluster } from './fixtures/sharded-cluster.js';

describe('QueryDistributor on three real shards with streaming replicas', () => {
  let cluster: ShardedCluster;
  const registry = new Registry();
  const tenants = Array.from({ length: 30 }, (_, i) => `tenant-${i}`);

  beforeAll(async () => {
    cluster = await startShardedCluster('ig_shard_dist', { metrics: { registry } });
    for (const tenant of tenants) {
      await cluster.distributor.executeOnShard({
        sql: 'INSERT INTO entities (id, tenant_id, kind, score, name) VALUES ($1, $2, $3, $4, $5)',
        params: [routableId(tenant), tenant, 'person', tenant.length, `n-${tenant}`],
        context: { shardKey: tenant },
      });
    }
    await waitForReplica();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('writes each row to exactly the shard the router names', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await cluster.direct(i);
      const { rows } = await c.query<{ tenant_id: string }>('SELECT tenant_id FROM entities');
      await c.end();
      for (const row of rows) expect(cluster.router.route(row.tenant_id)).toBe(`shard-${i}`);
      expect(rows.length).toBeGreaterThan(0);
    }
    const { rows } = await cluster.distributor.broadcast<{ n: string }>({
      sql: 'SELECT COUNT(*) AS n FROM entities',
      merge: { aggregates: { n: 'count' } },
    });
    expect(rows).toEqual([{ n: String(tenants.length) }]);
  });

  it('sends readonly queries to a replica and writes to the primary, and reports each statement', async () => {
    const events: QueryEvent[] = [];
    const off = cluster.distributor.onQuery((e) => events.push(e));
    const read = await cluster.distributor.executeOnShard<{ name: string }>({
      sql: 'SELECT name FROM entities WHERE tenant_id = $1',
      params: ['tenant-3'],
      context: { shardKey: 'tenant-3', readonly: true },
    });
    expect(read.rows).toEqual([{ name: 'n-tenant-3' }]);
    expect(read.target).toBe('replica');
    const write = await cluster.distributor.executeOnShard({
      sql: 'UPDATE entities SET score = score + 1 WHERE tenant_id = $1',
      params: ['tenant-3'],
      context: { shardKey: cluster.router.keyOf({ tenantId: 'tenant-3' }) },
    });
    expect(write.target).toBe('primary');
    expect(write.rowCount).toBe(1);
    off();
    expect(events.map((e) => [e.shardId, e.target, e.operation])).toEqual([
      [read.shardId, 'replica', 'executeOnShard'],
      [read.shardId, 'primary', 'executeOnShard'],
    ]);
    const metrics = await registry.getSingleMetricAsString('intelgraph_shard_queries_total');
    expect(metrics).toMatch(
      new RegExp(`shard="${read.shardId}",node="${read.shardId}/replica-0",role="replica"`),
    );
    const pool = await registry.getSingleMetricAsString('intelgraph_shard_pool_clients');
    expect(pool).toContain('state="idle"');
    expect(await registry.getSingleMetricAsString('intelgraph_shard_replica_lag_seconds')).toContain(
      'replica-0',
    );
  });

  it('reads its own writes: a read in the same session after a write sees it', async () => {
    const session = {};
    for (let i = 0; i < 20; i++) {
      const name = `rename-${i}`;
      await cluster.distributor.executeOnShard({
        sql: 'UPDATE entities SET name = $2 WHERE tenant_id = $1',
        params: ['tenant-7', name],
        context: { shardKey: 'tenant-7', session },
      });
      const { rows } = await cluster.distributor.executeOnShard<{ name: string }>({
        sql: 'SELECT name FROM entities WHERE tenant_id = $1',
        params: ['tenant-7'],
        context: { shardKey: 'tenant-7', readonly: true, session },
      });
      expect(rows[0]!.name).toBe(name);
    }
    // Once the health loop has seen the replica replay the write, the session reads from it again.
    const replicaRead = async (): Promise<string> =>
      (
        await cluster.distributor.executeOnShard({
          sql: 'SELECT 1',
          context: { shardKey: 'tenant-7', readonly: true, session },
        })
      ).target;
    const deadline = Date.now() + 5000;
    while ((await replicaRead()) !== 'replica' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await replicaRead()).toBe('replica');
  });

  it('runs a transaction on one primary, rolls back on error, and refuses a cross-shard write in it', async () => {
    const a = 'tenant-1';
    const other = tenants.find((t) => cluster.router.route(t) !== cluster.router.route(a))!;
    const id = routableId(a);
    await cluster.distributor.transaction(a, async (tx) => {
      await tx.query(
        'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
        [id, a, 'org', 'tx'],
        { shardKey: a },
      );
    });
    await expect(
      cluster.distributor.transaction(a, async (tx) => {
        await tx.query('UPDATE entities SET name = $2 WHERE id = $1', [id, 'changed']);
        await tx.query(
          'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
          [routableId(other), other, 'org', 'x'],
          {
            shardKey: other,
          },
        );
      }),
    ).rejects.toMatchObject({ code: 'SHARD_CROSS_SHARD_WRITE' });
    const { rows } = await cluster.distributor.executeOnShard<{ name: string }>({
      sql: 'SELECT name FROM entities WHERE id = $1',
      params: [id],
      context: { shardKey: a },
    });
    expect(rows).toEqual([{ name: 'tx' }]);
    const counts = await cluster.distributor.broadcast<{ n: string }>({
      sql: 'SELECT COUNT(*) AS n FROM entities WHERE tenant_id = $1',
      params: [other],
      merge: { aggregates: { n: 'count' } },
    });
    expect(counts.rows).toEqual([{ n: '1' }]);
  });

  it('fails the commit of a transaction whose failed statement the caller caught, instead of losing its writes in silence', async () => {
    // Not on tenant-2's shard: a later test counts that shard's query errors.
    const a = tenants.find((t) => cluster.router.route(t) !== cluster.router.route('tenant-2'))!;
    for (const session of [undefined, {}]) {
      const id = routableId(a);
      const failure = await cluster.distributor
        .transaction(
          a,
          async (tx) => {
            await tx.query('INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)', [
              id,
              a,
              'org',
              'kept?',
            ]);
            // A duplicate key, caught: PostgreSQL has aborted the transaction all the same.
            await tx
              .query('INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)', [
                id,
                a,
                'org',
                'dup',
              ])
              .catch(() => {});
            return 'done';
          },
          session ? { session } : {},
        )
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'SHARD_QUERY_FAILED', details: { sqlState: '25P02' } });
      const { rows } = await cluster.distributor.executeOnShard({
        sql: 'SELECT 1 FROM entities WHERE id = $1',
        params: [id],
        context: { shardKey: a },
      });
      expect(rows).toEqual([]);
    }
  });

  it('refuses a write whose keys span shards before writing anything, and a broadcast write', async () => {
    const a = 'tenant-1';
    const other = tenants.find((t) => cluster.router.route(t) !== cluster.router.route(a))!;
    await expect(
      cluster.distributor.executeOnShard({
        sql: 'DELETE FROM entities WHERE tenant_id = ANY($1)',
        params: [[a, other]],
        context: { shardKeys: [a, other] },
      }),
    ).rejects.toMatchObject({
      code: 'SHARD_CROSS_SHARD_WRITE',
      details: { shardIds: expect.arrayContaining([cluster.router.route(a)]) },
    });
    await expect(
      cluster.distributor.broadcast({ sql: 'DELETE FROM entities', context: { readonly: false } }),
    ).rejects.toMatchObject({
      code: 'SHARD_CROSS_SHARD_WRITE',
    });
    const { rows } = await cluster.distributor.broadcast({
      sql: 'SELECT 1 FROM entities WHERE tenant_id = ANY($1)',
      params: [[a, other]],
    });
    expect(rows.length).toBe(3); // two tenants' rows plus the transaction's row, all still there
  });

  it('requires a shard key and maps SQL errors to SHARD_QUERY_FAILED with the SQLSTATE', async () => {
    await expect(cluster.distributor.executeOnShard({ sql: 'SELECT 1', context: {} })).rejects.toMatchObject({
      code: 'SHARD_KEY_REQUIRED',
    });
    await expect(
      cluster.distributor.executeOnShard({ sql: 'SELECT 1', context: { shardKey: '' } }),
    ).rejects.toMatchObject({
      code: 'SHARD_KEY_REQUIRED',
    });
    const error = await cluster.distributor
      .executeOnShard({
        sql: 'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
        params: ['dup', 'tenant-2', 'x', 'x'],
        context: { shardKey: 'tenant-2' },
      })
      .then(() =>
        cluster.distributor.executeOnShard({
          sql: 'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
          params: ['dup', 'tenant-2', 'x', 'x'],
          context: { shardKey: 'tenant-2' },
        }),
      )
      .catch((e: unknown) => e);
    expect(IntelGraphError.is(error, 'SHARD_QUERY_FAILED')).toBe(true);
    expect((error as IntelGraphError).details).toMatchObject({
      sqlState: '23505',
      shardId: cluster.router.route('tenant-2'),
    });
    expect(await registry.getSingleMetricAsString('intelgraph_shard_query_errors_total')).toMatch(
      new RegExp(
        `shard="${cluster.router.route('tenant-2')}",node="[^"]+/primary",role="primary",code="SHARD_QUERY_FAILED"} 1`,
      ),
    );
  });

  it('routes many keys to one group per shard, and routable ids to their tenant shard', () => {
    const groups = cluster.router.routeMany([...tenants, 'tenant-1']);
    expect([...groups.values()].flat().sort()).toEqual([...tenants].sort());
    for (const [shardId, keys] of groups) for (const k of keys) expect(cluster.router.route(k)).toBe(shardId);
    const id = routableId('tenant-9');
    expect(cluster.router.routeId(id)).toBe(cluster.router.route('tenant-9'));
  });
});
