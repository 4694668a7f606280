/**
 * Naive resolvers (one statement per field and item: DataLoader batching off) vs shard-aware
 * loaders vs loaders + read-through cache, on the same query and data, in one run.
 *
 * Query: 100 entities, each with its relationship count and first 5 links with the linked
 * entity's name (the N+1 shape: 1 + 100 + 100 + ≤500 statements when naive). Data: a seeded
 * tenant (power-law links) on two real PostgreSQL shards with the streaming replica. Each variant
 * is its own subgraph instance; rounds alternate variants so machine noise hits all three.
 * Every variant's answer is checked against the loaders' answer before timing.
 */
import { performance } from 'node:perf_hooks';
import { SeedPlan, startSubgraph } from '@intelgraph/subgraph-runtime';
import { createRealShards, graphqlRequest, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { createEntitiesSubgraph, seedEntities } from '../src/index.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const QUERY = `{ entities(first: 100) { edges { node { id name relationshipCount
  relationships(first: 5) { edges { node { kind from { id } to { name } } } } } } } }`;

const real = await createRealShards('bench_loaders', 2);
const plan = new SeedPlan({
  tenants: 1,
  entities: 5000,
  usersPerTenant: 20,
  investigationsPerTenant: 0,
  tenantPrefix: 'bench',
  meanDegree: 3,
});
const tenant = plan.tenants[0]!.id;
const identity = { tenantId: tenant, userId: `${tenant}:u0`, scopes: ['read'] };
const base = { shards: real.shards, logLevel: 'error' };
const variants = [
  {
    name: 'naive',
    running: await startSubgraph(
      createEntitiesSubgraph({ batch: false }),
      testRuntimeConfig({ ...base, loaderCache: false }),
    ),
  },
  {
    name: 'loaders',
    running: await startSubgraph(
      createEntitiesSubgraph(),
      testRuntimeConfig({ ...base, loaderCache: false }),
    ),
  },
  {
    name: 'loaders+cache',
    running: await startSubgraph(createEntitiesSubgraph(), testRuntimeConfig({ ...base, loaderCache: true })),
  },
];
try {
  await seedEntities(variants[0]!.running.services.storage, plan);
  const statements = new Map<string, number>(variants.map((v) => [v.name, 0]));
  for (const v of variants)
    v.running.services.storage.distributor.onQuery((e) => {
      // Statements the database ran to completion: a pool-exhausted attempt retried elsewhere counts once.
      if (!e.error) statements.set(v.name, statements.get(v.name)! + 1);
    });

  // Correctness first: every variant answers exactly what the loaders answer.
  const expected = JSON.stringify((await graphqlRequest(variants[1]!.running.url, QUERY, { identity })).data);
  for (const v of variants) {
    const r = await graphqlRequest(v.running.url, QUERY, { identity });
    if (r.errors || JSON.stringify(r.data) !== expected)
      throw new Error(`${v.name} answered differently: ${JSON.stringify(r.errors)}`);
  }
  const links = (
    JSON.parse(expected) as { entities: { edges: Array<{ node: { relationships: { edges: unknown[] } } }> } }
  ).entities.edges.reduce((n, e) => n + e.node.relationships.edges.length, 0);

  async function round(url: string, ms: number): Promise<{ requests: number; elapsedMs: number }> {
    const end = performance.now() + ms;
    let requests = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const r = await graphqlRequest(url, QUERY, { identity });
          if (r.errors) throw new Error(JSON.stringify(r.errors));
          requests += 1;
        }
      }),
    );
    return { requests, elapsedMs: performance.now() - started };
  }

  const results = new Map<string, { rps: number[]; sql: number[] }>(
    variants.map((v) => [v.name, { rps: [], sql: [] }]),
  );
  for (const v of variants) await round(v.running.url, 1000); // warm-up (pools, JIT, cache)
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const v of variants) {
      const before = statements.get(v.name)!;
      const { requests, elapsedMs } = await round(v.running.url, ROUND_MS);
      results.get(v.name)!.rps.push((requests / elapsedMs) * 1000);
      results.get(v.name)!.sql.push((statements.get(v.name)! - before) / requests);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
  const row = (name: string) => {
    const r = results.get(name)!;
    return { rps: median(r.rps), sql: median(r.sql), spread: spread(r.rps) };
  };
  const naive = row('naive');
  const loaders = row('loaders');
  const cached = row('loaders+cache');
  process.stdout.write(
    `\nentities(first: 100) × relationshipCount × relationships(first: 5) × to { name }  (${links} links per answer)\n` +
      `${ROUNDS} rounds × ${ROUND_MS} ms per variant, ${CONCURRENCY} concurrent clients, 2 PostgreSQL shards + replica\n\n` +
      '| variant | SQL statements / request | requests/s (median) | requests/s (min–max) | vs naive (req/s) | vs naive (SQL) |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: |\n' +
      [
        ['naive', naive],
        ['loaders', loaders],
        ['loaders+cache', cached],
      ]
        .map(
          ([name, m]) =>
            `| ${name} | ${(m as typeof naive).sql.toFixed(1)} | ${(m as typeof naive).rps.toFixed(1)} | ${(m as typeof naive).spread} | ` +
            `${((m as typeof naive).rps / naive.rps).toFixed(2)}× | ${(naive.sql / (m as typeof naive).sql).toFixed(1)}× fewer |`,
        )
        .join('\n') +
      '\n\n',
  );
  process.stdout.write(
    `BENCH ${JSON.stringify({
      name: 'graphql-dataloader-n-plus-one',
      metrics: {
        naiveSqlPerRequest: naive.sql,
        loadersSqlPerRequest: loaders.sql,
        cachedSqlPerRequest: cached.sql,
        naiveOpsPerSec: naive.rps,
        loadersOpsPerSec: loaders.rps,
        cachedOpsPerSec: cached.rps,
      },
      ratios: {
        sqlPerRequest: loaders.sql / naive.sql,
        opsPerSec: loaders.rps / naive.rps,
        cachedSqlPerRequest: cached.sql / naive.sql,
        cachedOpsPerSec: cached.rps / naive.rps,
      },
      baseline:
        'naive resolvers (one SQL statement per field and item, DataLoader batching off), same query, data and process',
    })}\n`,
  );
} finally {
  for (const v of variants) await v.running.stop();
  await real.drop();
}
