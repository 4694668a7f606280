import { type FaultProxy, serviceUrls, startFaultProxy } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEvent } from '../src/index.js';
import { eventually, type ShardedCluster, startShardedCluster } from './fixtures/sharded-cluster.js';

/**
 * Each shard's replica is reached through a fault proxy (the shared replica cluster itself is
 * never touched): refusing or blackholing it during a read loop must fail no read — the reads
 * that hit it are retried on the primary — and healing it must bring reads back to it.
 */
describe('replica unreachable behind a fault proxy', () => {
  let cluster: ShardedCluster;
  const proxies: FaultProxy[] = [];
  const tenants = Array.from({ length: 12 }, (_, i) => `tenant-${i}`);

  beforeAll(async () => {
    const replicaPort = Number(new URL(serviceUrls().postgresReplica).port);
    for (let i = 0; i < 3; i++) proxies.push(await startFaultProxy({ target: replicaPort }));
    cluster = await startShardedCluster('ig_shard_rpx', {
      replicaUrlOf: (db, i) => proxies[i]!.url(db.replicaUrl),
      health: { intervalMs: 200, timeoutMs: 400, maxReplicaLagMs: 2000 },
      pool: { connectionTimeoutMs: 400, queryTimeoutMs: 1500 },
    });
    for (const t of tenants) {
      await cluster.distributor.executeOnShard({
        sql: 'INSERT INTO entities (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)',
        params: [`${t}:1`, t, 'k', t],
        context: { shardKey: t },
      });
    }
    await eventually(
      () =>
        cluster.manager.health().every((n) => n.status === 'up' && (n.role === 'primary' || n.lagMs === 0)),
      10_000,
      'replicas fresh',
    );
  });
  afterAll(async () => {
    await cluster?.close();
    for (const p of proxies) await p.stop();
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`${mode}: no read fails, reads leave the replica, and return when it heals`, async () => {
      const events: QueryEvent[] = [];
      const off = cluster.distributor.onQuery((e) => events.push(e));
      const targets: string[] = [];
      const failures: unknown[] = [];
      let stop = false;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          const t = tenants[i % tenants.length]!;
          try {
            const r = await cluster.distributor.executeOnShard<{ name: string }>({
              sql: 'SELECT name FROM entities WHERE tenant_id = $1',
              params: [t],
              context: { shardKey: t, readonly: true },
            });
            expect(r.rows).toEqual([{ name: t }]);
            targets.push(r.target);
          } catch (error) {
            failures.push(error);
          }
        }
      })();
      try {
        await eventually(() => targets.filter((t) => t === 'replica').length > 30, 10_000, 'replica reads');
        for (const p of proxies) p.setMode(mode);
        await eventually(
          () => cluster.manager.shards.every((s) => s.replicas[0]!.health.status === 'down'),
          10_000,
          'replicas seen down',
        );
        const whileDown = targets.length;
        await eventually(() => targets.length > whileDown + 30, 10_000, 'reads while down');
        expect(targets.slice(whileDown)).not.toContain('replica');
        for (const p of proxies) p.setMode('pass');
        const healed = targets.length;
        await eventually(
          () => targets.slice(healed).filter((t) => t === 'replica').length > 30,
          15_000,
          'replica reads again',
        );
      } finally {
        for (const p of proxies) p.setMode('pass');
        stop = true;
        await loop;
        off();
      }
      expect(failures).toEqual([]);
      if (mode === 'refuse') {
        // Some reads hit the replica as it went away and were retried on the primary.
        expect(events.some((e) => e.error && e.target === 'replica')).toBe(true);
      }
    });
  }
});
