import { IntelGraphError } from '@intelgraph/errors';
import {
  createTestDatabase,
  type FaultProxy,
  startFaultProxy,
  type TestDatabase,
  waitForReplica,
} from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryDistributor, ShardManager, ShardRouter } from '../src/index.js';
import { ENTITIES_DDL, eventually } from './fixtures/sharded-cluster.js';

/**
 * Shard 1's primary sits behind a fault-injecting TCP proxy: blackholed (a partition: packets
 * vanish, nothing answers) or refusing (a dead server). Its calls must fail fast with
 * SHARD_UNAVAILABLE naming it, the other shards must answer, and it must be used again once the
 * network heals, without a restart.
 */
describe('one shard primary unreachable', () => {
  const databases: TestDatabase[] = [];
  let proxy: FaultProxy;
  let manager: ShardManager;
  let router: ShardRouter;
  let distributor: QueryDistributor;
  const keyOn = (shardId: string): string => {
    for (let i = 0; ; i++) if (router.route(`k${i}`) === shardId) return `k${i}`;
  };
  /** Until the health loop sees shard-1's primary `up` or `down`. */
  const primaryOfShard1 = (status: 'up' | 'down') =>
    eventually(
      () => manager.shard('shard-1').primary.health.status === status,
      10_000,
      `the health loop to see shard-1 ${status}`,
    );
  const insert = (key: string) =>
    distributor.executeOnShard({
      sql: 'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
      params: [`${key}:${Math.random()}`, key, 'x', 'x'],
      context: { shardKey: key },
    });

  /** The three shards, shard 1's primary behind the proxy, health rounds every `intervalMs`. */
  const managerEvery = (intervalMs: number) =>
    new ShardManager({
      strategy: 'hash',
      shards: databases.map((db, i) => ({
        id: `shard-${i}`,
        primary: i === 1 ? proxy.url(db.url) : db.url,
        replicas: [db.replicaUrl],
      })),
      health: { intervalMs, timeoutMs: 500 },
      pool: { connectionTimeoutMs: 500, queryTimeoutMs: 3000 },
    });

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) databases.push(await createTestDatabase(`ig_shard_down_${i}`));
    for (const db of databases) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(ENTITIES_DDL);
      await c.end();
    }
    await waitForReplica();
    proxy = await startFaultProxy({ target: Number(new URL(databases[1]!.url).port) });
    manager = managerEvery(200);
    await manager.start();
    router = new ShardRouter(manager);
    distributor = new QueryDistributor(manager, router);
  });
  afterAll(async () => {
    await manager?.stop();
    await proxy?.stop();
    for (const db of databases) await db.drop();
  });

  for (const mode of ['blackhole', 'refuse'] as const) {
    it(`${mode}: calls to that shard fail fast with SHARD_UNAVAILABLE, others answer, then it comes back`, async () => {
      const down = keyOn('shard-1');
      const up = [keyOn('shard-0'), keyOn('shard-2')];
      await insert(down);
      proxy.setMode(mode);
      try {
        await primaryOfShard1('down');
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          const error = await insert(down).catch((e: unknown) => e);
          expect(performance.now() - started).toBeLessThan(250);
          expect(IntelGraphError.is(error, 'SHARD_UNAVAILABLE')).toBe(true);
          expect((error as IntelGraphError).details.shardId).toBe('shard-1');
          expect((error as IntelGraphError).message).toContain("'shard-1'");
        }
        await expect(distributor.transaction(down, async () => 1)).rejects.toMatchObject({
          code: 'SHARD_UNAVAILABLE',
        });
        for (const key of up) expect((await insert(key)).rowCount).toBe(1);
        // Reads of the shard are still served, by its replica.
        const read = await distributor.executeOnShard({
          sql: 'SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1',
          params: [down],
          context: { shardKey: down, readonly: true },
        });
        expect(read.target).toBe('replica');
        expect(read.rows[0]).toEqual({ n: 1 });
      } finally {
        proxy.setMode('pass');
      }
      await primaryOfShard1('up');
      expect((await insert(down)).target).toBe('primary');
      const { rows } = await distributor.executeOnShard<{ n: number }>({
        sql: 'SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1',
        params: [down],
        context: { shardKey: down },
      });
      expect(rows[0]!.n).toBe(2);
      await distributor.executeOnShard({ sql: 'DELETE FROM entities', context: { shardKey: down } });
    });
  }

  it('a caller that wrote just before its primary went away reads its write from the replica', async () => {
    const key = keyOn('shard-1');
    const session = {};
    const id = `${key}:ryw:${Math.random()}`;
    await distributor.transaction(
      key,
      (tx) =>
        tx.query('INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)', [
          id,
          key,
          'x',
          'written before the partition',
        ]),
      { session },
    );
    // At once, before a health round can sample the primary after the commit: no sample will
    // ever show a replica caught up with this write, only the write's own LSN can.
    proxy.setMode('blackhole');
    try {
      await primaryOfShard1('down');
      let read: Awaited<ReturnType<typeof distributor.executeOnShard<{ name: string }>>> | undefined;
      await eventually(
        async () => {
          read = await distributor
            .executeOnShard<{ name: string }>({
              sql: 'SELECT name FROM entities WHERE id = $1',
              params: [id],
              context: { shardKey: key, readonly: true, session },
            })
            .catch(() => undefined);
          return read !== undefined;
        },
        10_000,
        "the replica's probe to report the write replayed",
      );
      expect(read!.target).toBe('replica');
      expect(read!.rows).toEqual([{ name: 'written before the partition' }]);
    } finally {
      proxy.setMode('pass');
    }
    await primaryOfShard1('up');
    await distributor.executeOnShard({ sql: 'DELETE FROM entities', context: { shardKey: key } });
  });

  it('before any health round notices, a read after the write goes to a replica shown just now to have it, not to the silent primary', async () => {
    // Health rounds only at start: nothing but the read itself can learn that the replica has
    // replayed the write, and the primary is never marked down.
    const quiet = managerEvery(600_000);
    await quiet.start();
    const quietDistributor = new QueryDistributor(quiet, new ShardRouter(quiet));
    const key = keyOn('shard-1');
    const session = {};
    const id = `${key}:ryw-now:${Math.random()}`;
    try {
      await quietDistributor.transaction(
        key,
        (tx) =>
          tx.query('INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)', [
            id,
            key,
            'x',
            'written just before',
          ]),
        { session },
      );
      await waitForReplica();
      proxy.setMode('blackhole');
      const read = await quietDistributor.executeOnShard<{ name: string }>({
        sql: 'SELECT name FROM entities WHERE id = $1',
        params: [id],
        context: { shardKey: key, readonly: true, session },
      });
      expect(read.target).toBe('replica');
      expect(read.rows).toEqual([{ name: 'written just before' }]);
      expect(quiet.shard('shard-1').primary.health.status).toBe('up'); // never probed meanwhile
    } finally {
      proxy.setMode('pass');
      await quiet.stop();
    }
    await distributor.executeOnShard({ sql: 'DELETE FROM entities', context: { shardKey: key } });
  });

  it('a broadcast fails naming the unreachable shard, or returns the others plus its error with partial', async () => {
    // Without replicas nothing else can serve shard-1.
    await using primaries = new ShardManager({
      strategy: 'hash',
      shards: manager.shards.map((s) => ({ id: s.id, primary: s.primary.url })),
      health: { intervalMs: 200, timeoutMs: 500 },
      pool: { connectionTimeoutMs: 500 },
    });
    await primaries.start();
    const d = new QueryDistributor(primaries, new ShardRouter(primaries));
    proxy.setMode('refuse');
    try {
      await eventually(
        () => primaries.shard('shard-1').primary.health.status === 'down',
        10_000,
        'shard-1 down',
      );
      await expect(d.broadcast({ sql: 'SELECT 1 AS one', merge: {} })).rejects.toMatchObject({
        code: 'SHARD_BROADCAST_FAILED',
        details: { failedShards: [{ shardId: 'shard-1', code: 'SHARD_UNAVAILABLE' }] },
      });
      const partial = await d.broadcast({ sql: 'SELECT 1 AS one', merge: {}, onShardError: 'partial' });
      expect(partial.rows).toEqual([{ one: 1 }, { one: 1 }]);
      expect(partial.shards).toEqual(['shard-0', 'shard-2']);
      expect(partial.errors.map((e) => [e.shardId, e.error.code])).toEqual([
        ['shard-1', 'SHARD_UNAVAILABLE'],
      ]);
    } finally {
      proxy.setMode('pass');
    }
  });
});
