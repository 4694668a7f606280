import { startFaultProxy } from '@intelgraph/test-support';
import pg from 'pg';
import { QueryDistributor, ShardManager, ShardRouter } from '../src/index.js';
import { benchCluster } from './bench-cluster.js';
import { fmt, median, type ScenarioResult } from './measure.js';

interface Variant {
  readonly label: string;
  readonly rows: number;
  /** Added one-way latency per shard (through a delaying TCP proxy), 0 = direct. */
  readonly delayMs: number;
}

/**
 * `broadcast` COUNT(*) over three shards against the slowest single shard's COUNT(*) on a raw
 * pool: a parallel broadcast costs about the slowest shard, a sequential one the sum. Two
 * setups, because all three "shards" share this host's CPUs:
 *  - remote-like: a small table per shard, each shard behind a proxy adding 5 ms each way (shards
 *    on other hosts): measures the parallelism of the distributor itself;
 *  - local CPU-bound: 300k rows per shard, parallel workers off; on a 2-core host three
 *    concurrent scans cannot beat 1.5 × one scan, whatever the client does.
 * Latency medians over rounds; the merged count is checked each time.
 */
async function measure(
  variant: Variant,
): Promise<{ ours: number; slowest: number; sum: number; perShard: number[] }> {
  const cluster = await benchCluster(`ig_bench_bc${variant.delayMs}`, [
    `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, ${variant.rows}) g`,
    'VACUUM ANALYZE big',
  ]);
  await cluster.manager.stop();
  const proxies = await Promise.all(
    cluster.databases.map((db) =>
      startFaultProxy({
        target: Number(new URL(db.url).port),
        mode: variant.delayMs ? 'delay' : 'pass',
        delayMs: variant.delayMs,
      }),
    ),
  );
  const urls = cluster.databases.map((db, i) => {
    const u = new URL(variant.delayMs ? proxies[i]!.url(db.url) : db.url);
    u.searchParams.set('options', '-c max_parallel_workers_per_gather=0');
    return u.toString();
  });
  const manager = new ShardManager({
    strategy: 'hash',
    shards: urls.map((url, i) => ({ id: `shard-${i}`, primary: url })),
  });
  await manager.start();
  const distributor = new QueryDistributor(manager, new ShardRouter(manager));
  const pools = urls.map((url) => new pg.Pool({ connectionString: url, max: 2 }));
  try {
    const sql = 'SELECT COUNT(*) AS n FROM big';
    const single = async (pool: pg.Pool): Promise<number> => {
      const t = performance.now();
      const r = await pool.query<{ n: string }>(sql);
      if (r.rows[0]?.n !== String(variant.rows)) throw new Error('wrong single-shard count');
      return performance.now() - t;
    };
    const broadcast = async (): Promise<number> => {
      const t = performance.now();
      const r = await distributor.broadcast<{ n: string }>({ sql, merge: { aggregates: { n: 'count' } } });
      if (r.rows[0]?.n !== String(3 * variant.rows)) throw new Error('wrong broadcast count');
      return performance.now() - t;
    };
    for (let i = 0; i < 3; i++) {
      await broadcast();
      for (const p of pools) await single(p);
    }
    const perShard: number[][] = pools.map(() => []);
    const broadcasts: number[] = [];
    for (let round = 0; round < 21; round++) {
      broadcasts.push(await broadcast());
      for (const [i, p] of pools.entries()) perShard[i]!.push(await single(p));
    }
    const medians = perShard.map(median);
    return {
      ours: median(broadcasts),
      slowest: Math.max(...medians),
      sum: medians.reduce((a, b) => a + b, 0),
      perShard: medians,
    };
  } finally {
    for (const p of pools) await p.end();
    await manager.stop();
    for (const p of proxies) await p.stop();
    await cluster.close();
  }
}

export async function broadcastCount(): Promise<ScenarioResult> {
  const remote = await measure({ label: 'remote-like', rows: 20_000, delayMs: 5 });
  const local = await measure({ label: 'local CPU-bound', rows: 300_000, delayMs: 0 });
  const line = (label: string, m: typeof remote, note: string): ScenarioResult['table'] => [
    [`${label}: broadcast COUNT, 3 shards (ms)`, fmt(m.ours), note],
    [
      `${label}: slowest single shard COUNT (ms, baseline)`,
      fmt(m.slowest),
      `per shard ${m.perShard.map((x) => x.toFixed(1)).join(' / ')}`,
    ],
    [
      `${label}: broadcast ÷ slowest shard`,
      (m.ours / m.slowest).toFixed(3),
      `target ≤ 1.3; sequential would be ${(m.sum / m.slowest).toFixed(2)}`,
    ],
  ];
  return {
    table: [
      ...line('remote-like', remote, '20k rows/shard, +5 ms each way per shard'),
      ...line('local CPU-bound', local, '300k rows/shard, 3 scans on this host’s cores'),
    ],
    metrics: {
      broadcastCountRemoteMs: Number(remote.ours.toFixed(2)),
      slowestShardCountRemoteMs: Number(remote.slowest.toFixed(2)),
      broadcastCountLocalMs: Number(local.ours.toFixed(2)),
      slowestShardCountLocalMs: Number(local.slowest.toFixed(2)),
    },
    ratios: {
      broadcastCountRemoteMs: remote.ours / remote.slowest,
      broadcastCountLocalMs: local.ours / local.slowest,
    },
  };
}
