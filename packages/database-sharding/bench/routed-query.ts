import { createTestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { ShardMapFollower, ShardMapStore } from '../src/index.js';
import { benchCluster } from './bench-cluster.js';
import { fmt, median, type ScenarioResult, spread, throughput, throughputWithCpu } from './measure.js';

/**
 * A routed single-shard query (`executeOnShard`: key → shard, fence, pool, metrics hooks, error
 * mapping) against the raw `pg.Pool` on the same database with the same pool size, same
 * concurrency, alternating rounds. Every answer is checked.
 */
export async function routedQuery(options: { storedMap?: boolean } = {}): Promise<ScenarioResult> {
  const cluster = await benchCluster('ig_bench_route', [
    'CREATE TABLE kv (id int PRIMARY KEY, v text NOT NULL)',
    "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 1000) g",
  ]);
  // With the stored map: routing by a followed map version with 1000 placed tenants (what a
  // platform in the middle of a rebalance routes by), its LISTEN connection and poll running.
  const following = options.storedMap ? await followStoredMap(cluster) : undefined;
  const label = options.storedMap ? ' (stored map)' : '';
  try {
    const tenant = 'tenant-bench';
    const shardId = cluster.router.route(tenant);
    const db = cluster.databases[Number(shardId.split('-')[1])]!;
    const raw = new pg.Pool({ connectionString: db.url, max: 10 });
    raw.on('error', () => {});
    const sql = 'SELECT v FROM kv WHERE id = $1';
    let i = 0;
    const ours = async (): Promise<void> => {
      const id = (i++ % 1000) + 1;
      const r = await cluster.distributor.executeOnShard<{ v: string }>({
        sql,
        params: [id],
        context: { shardKey: tenant },
      });
      if (r.rows[0]?.v !== `v${id}`) throw new Error('wrong answer (routed)');
    };
    const base = async (): Promise<void> => {
      const id = (i++ % 1000) + 1;
      const r = await raw.query<{ v: string }>(sql, [id]);
      if (r.rows[0]?.v !== `v${id}`) throw new Error('wrong answer (raw pool)');
    };
    await throughput(ours, 500, 8);
    await throughput(base, 500, 8);
    // 30 short alternating pairs (order flipped each pair): load from other processes hits both
    // sides of a pair alike, so the median of per-pair ratios is far steadier than either rate.
    const oursRates: number[] = [];
    const baseRates: number[] = [];
    const pairRatios: number[] = [];
    const oursCpu: number[] = [];
    const baseCpu: number[] = [];
    for (let pair = 0; pair < 30; pair++) {
      const runOurs = async (): Promise<number> => {
        const r = await throughputWithCpu(ours, 300, 8);
        oursCpu.push(r.cpuUsPerOp);
        return r.opsPerSec;
      };
      const runBase = async (): Promise<number> => {
        const r = await throughputWithCpu(base, 300, 8);
        baseCpu.push(r.cpuUsPerOp);
        return r.opsPerSec;
      };
      let o: number;
      let b: number;
      if (pair % 2 === 0) {
        o = await runOurs();
        b = await runBase();
      } else {
        b = await runBase();
        o = await runOurs();
      }
      oursRates.push(o);
      baseRates.push(b);
      pairRatios.push(o / b);
    }
    await raw.end();
    const o = median(oursRates);
    const b = median(baseRates);
    const ratio = median(pairRatios);
    const cpuOurs = median(oursCpu);
    const cpuBase = median(baseCpu);
    return {
      table: [
        [
          `routed executeOnShard queries/s${label}`,
          fmt(o),
          `spread ${(spread(oursRates) * 100).toFixed(0)}%, 8 callers, pool 10`,
        ],
        ['raw pg.Pool queries/s (baseline)', fmt(b), `spread ${(spread(baseRates) * 100).toFixed(0)}%`],
        [
          'client CPU per query, routed ÷ raw',
          (cpuOurs / cpuBase).toFixed(3),
          `${cpuOurs.toFixed(1)} µs vs ${cpuBase.toFixed(1)} µs, this process only`,
        ],
        [
          `routed${label} ÷ raw throughput (median of 30 paired runs)`,
          ratio.toFixed(3),
          `pair spread ${(spread(pairRatios) * 100).toFixed(0)}%, target ≥ 0.95`,
        ],
      ],
      metrics: options.storedMap
        ? { routedStoredMapOpsPerSec: Math.round(o), rawPoolOpsPerSecStoredMapRun: Math.round(b) }
        : {
            routedOpsPerSec: Math.round(o),
            rawPoolOpsPerSec: Math.round(b),
            routedCpuUsPerQuery: Number(cpuOurs.toFixed(2)),
            rawCpuUsPerQuery: Number(cpuBase.toFixed(2)),
          },
      ratios: options.storedMap
        ? { routedStoredMapOpsPerSec: ratio, routedStoredMapCpuUsPerQuery: cpuOurs / cpuBase }
        : { routedOpsPerSec: ratio, routedCpuUsPerQuery: cpuOurs / cpuBase },
    };
  } finally {
    await following?.stop();
    await cluster.close();
  }
}

async function followStoredMap(
  cluster: Awaited<ReturnType<typeof benchCluster>>,
): Promise<{ stop(): Promise<void> }> {
  const metadata = await createTestDatabase('ig_bench_route_map');
  const store = new ShardMapStore({ url: metadata.url });
  await store.migrate();
  await store.initialize({
    virtualNodes: 150,
    shards: cluster.manager.shards.map((s) => ({ id: s.id, primary: s.config.primary })),
  });
  const snapshot = await store.change('1000 placed tenants', async (c) => {
    for (let t = 0; t < 1000; t++)
      await c.place({ tenant: `placed-${t}`, shardId: 'shard-0', state: 'pinned' });
  });
  const follower = new ShardMapFollower({
    store,
    manager: cluster.manager,
    router: cluster.router,
    service: 'bench',
  });
  await follower.start(snapshot);
  if (cluster.router.map?.version !== snapshot.version)
    throw new Error('the router does not follow the stored map');
  return {
    async stop() {
      await follower.stop();
      await store.close();
      await metadata.drop();
    },
  };
}
