import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateQuery, type OrderByKey } from '../src/index.js';
import { ENTITIES_DDL, type ShardedCluster, startShardedCluster } from './fixtures/sharded-cluster.js';

/**
 * The oracle: the same rows in one plain database. Every broadcast merge must equal what that
 * single database answers for the same ORDER BY / LIMIT / aggregate query.
 */
describe('broadcast merges equal a single-database oracle', () => {
  let cluster: ShardedCluster;
  let oracleDb: TestDatabase;
  let oracle: pg.Client;

  beforeAll(async () => {
    cluster = await startShardedCluster('ig_shard_bc', { withReplicas: false });
    oracleDb = await createTestDatabase('ig_shard_oracle');
    oracle = new pg.Client({ connectionString: oracleDb.url });
    await oracle.connect();
    await oracle.query(ENTITIES_DDL);
    const rows = fc.sample(
      fc.record({
        tenant: fc.integer({ min: 0, max: 40 }),
        kind: fc.constantFrom('person', 'org', 'place', 'event'),
        score: fc.option(fc.integer({ min: -50, max: 50 }), { nil: null, freq: 6 }),
        name: fc.stringMatching(/^[A-Za-z]{0,3}$/),
      }),
      { numRuns: 400, seed: 42 },
    );
    for (const [i, r] of rows.entries()) {
      const params = [`t${r.tenant}:${i}`, `t${r.tenant}`, r.kind, r.score, r.name];
      const sql = 'INSERT INTO entities (id, tenant_id, kind, score, name) VALUES ($1, $2, $3, $4, $5)';
      await oracle.query(sql, params);
      await cluster.distributor.executeOnShard({ sql, params, context: { shardKey: `t${r.tenant}` } });
    }
  });
  afterAll(async () => {
    await oracle?.end();
    await oracleDb?.drop();
    await cluster?.close();
  });

  it('spreads the rows over all three shards', async () => {
    // `merge: {}` opts out of the automatic merge of a plain aggregate: one row per shard.
    const perShard = await cluster.distributor.broadcast<{ n: string }>({
      sql: 'SELECT COUNT(*) AS n FROM entities',
      merge: {},
    });
    expect(perShard.rows).toHaveLength(3);
    for (const r of perShard.rows) expect(Number(r.n)).toBeGreaterThan(50);
    // As in the issue's example: a plain COUNT over every shard is one total, like one database.
    const total = await cluster.distributor.broadcast({
      sql: 'SELECT COUNT(*) FROM entities',
      context: { readonly: true },
    });
    expect(total.rows).toEqual((await oracle.query('SELECT COUNT(*) FROM entities')).rows);
    const sql = 'SELECT min(score) AS lo, MAX(score) "Hi", sum(score) FROM entities WHERE kind = $1';
    const extremes = await cluster.distributor.broadcast({ sql, params: ['org'] });
    expect(extremes.rows).toEqual((await oracle.query(sql, ['org'])).rows);
  });

  it('ORDER BY with LIMIT/OFFSET (k-way merge of pushed-down pages)', async () => {
    const keyArb = fc.constantFrom<OrderByKey[]>(
      [{ column: 'score' }],
      [{ column: 'score', direction: 'desc' }],
      [{ column: 'score', nulls: 'first' }],
      [{ column: 'name', collate: 'C' }],
      [{ column: 'kind', direction: 'desc' }, { column: 'score' }],
      [
        { column: 'tenant_id', collate: 'C' },
        { column: 'name', direction: 'desc', collate: 'C' },
      ],
    );
    await fc.assert(
      fc.asyncProperty(
        keyArb,
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }),
        async (keys, limit, offset, minScore) => {
          const orderBy = [...keys, { column: 'id', collate: 'C' }];
          const where = minScore === undefined ? '' : ' WHERE score >= $1';
          const params = minScore === undefined ? [] : [minScore];
          const order = orderBy
            .map(
              (k) =>
                `${k.column}${k.collate ? ` COLLATE "${k.collate}"` : ''} ${k.direction === 'desc' ? 'DESC' : 'ASC'}${k.nulls ? ` NULLS ${k.nulls.toUpperCase()}` : ''}`,
            )
            .join(', ');
          const expected = await oracle.query(
            `SELECT id, tenant_id, kind, score, name FROM entities${where} ORDER BY ${order}${limit === undefined ? '' : ` LIMIT ${limit}`} OFFSET ${offset}`,
            params,
          );
          const got = await cluster.distributor.broadcast({
            sql: `SELECT id, tenant_id, kind, score, name FROM entities${where}`,
            params,
            merge: { orderBy, offset, ...(limit === undefined ? {} : { limit }) },
          });
          expect(got.rows).toEqual(expected.rows);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('COUNT / SUM / MIN / MAX / AVG with and without GROUP BY', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(['kind', 'name'], { minLength: 0 }),
        fc.option(fc.constantFrom('person', 'org'), { nil: undefined }),
        async (groupBy, kind) => {
          const q = aggregateQuery({
            from: 'entities',
            groupBy,
            ...(kind ? { where: 'kind = $1', params: [kind] } : {}),
            select: {
              n: { fn: 'count' },
              scored: { fn: 'count', column: 'score' },
              total: { fn: 'sum', column: 'score' },
              lo: { fn: 'min', column: 'score' },
              hi: { fn: 'max', column: 'score' },
              first_name: { fn: 'min', column: 'name' },
              mean: { fn: 'avg', column: 'score' },
            },
          });
          const cols = groupBy.map((c) => `${c}, `).join('');
          const expected = await oracle.query(
            `SELECT ${cols}COUNT(*) AS n, COUNT(score) AS scored, SUM(score) AS total, MIN(score) AS lo, MAX(score) AS hi, MIN(name) AS first_name, AVG(score)::float8 AS mean
               FROM entities ${kind ? 'WHERE kind = $1' : ''} ${groupBy.length ? `GROUP BY ${groupBy.join(', ')}` : ''}`,
            kind ? [kind] : [],
          );
          const got = await cluster.distributor.broadcast<Record<string, unknown>>({ ...q });
          const key = (r: Record<string, unknown>): string => JSON.stringify(groupBy.map((c) => r[c]));
          const byKey = new Map(expected.rows.map((r) => [key(r), r]));
          expect(got.rows.length).toBe(expected.rows.length);
          for (const row of got.rows) {
            const want = byKey.get(key(row))!;
            expect(want, key(row)).toBeDefined();
            const { mean, ...rest } = row;
            const { mean: wantMean, ...wantRest } = want;
            expect(rest).toEqual(wantRest);
            if (wantMean === null) expect(mean).toBeNull();
            else expect(mean as number).toBeCloseTo(wantMean as number, 9);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('orders and pages merged groups', async () => {
    const q = aggregateQuery({
      from: 'entities',
      groupBy: ['tenant_id'],
      select: { n: { fn: 'count' } },
      orderBy: [{ column: 'n', direction: 'desc' }, { column: 'tenant_id' }],
      limit: 5,
      offset: 2,
    });
    const expected = await oracle.query(
      'SELECT tenant_id, COUNT(*) AS n FROM entities GROUP BY tenant_id ORDER BY n DESC, tenant_id COLLATE "C" LIMIT 5 OFFSET 2',
    );
    expect((await cluster.distributor.broadcast(q)).rows).toEqual(expected.rows);
  });

  it('SUM(DISTINCT …) is refused: summing per-shard distinct sums would answer more than PostgreSQL', async () => {
    const sql = 'SELECT SUM(DISTINCT score) AS s FROM entities';
    const [want] = (await oracle.query<{ s: string }>(sql)).rows;
    const perShard = await cluster.distributor.broadcast<{ s: string | null }>({ sql, merge: {} });
    const naive = perShard.rows.reduce((sum, r) => sum + BigInt(r.s ?? 0), 0n);
    expect(naive).not.toBe(BigInt(want!.s)); // the values repeat across shards
    for (const merge of [undefined, { aggregates: { s: 'sum' as const } }]) {
      await expect(cluster.distributor.broadcast({ sql, ...(merge ? { merge } : {}) })).rejects.toMatchObject(
        {
          code: 'SHARD_MERGE_UNSUPPORTED',
          details: { reason: 'distinct-aggregate', explicitMerge: merge !== undefined },
        },
      );
    }
  });

  it('any generated query is either merged to the oracle answer or refused with SHARD_MERGE_UNSUPPORTED', async () => {
    const aggregateArb = fc
      .record({
        fn: fc.constantFrom('count', 'sum', 'min', 'max', 'avg'),
        distinct: fc.boolean(),
        arg: fc.constantFrom('*', 'score', 'kind', 'name', 'tenant_id'),
      })
      .filter(
        ({ fn, distinct, arg }) =>
          (arg === '*' ? fn === 'count' && !distinct : true) &&
          ((fn !== 'sum' && fn !== 'avg') || arg === 'score'),
      );
    const sources = {
      table: 'entities',
      plainSubquery: '(SELECT tenant_id, kind, score, name FROM entities) d',
      distinctSubquery: '(SELECT DISTINCT tenant_id, kind, score, name FROM entities) d',
      distinctScores: '(SELECT DISTINCT score, kind FROM entities) d',
    } as const;
    const wheres = {
      none: '',
      kind: " WHERE kind = 'org'",
      score: ' WHERE score > 0',
      notDistinctFrom: ' WHERE score IS NOT DISTINCT FROM 3',
      distinctIn: ' WHERE score IN (SELECT DISTINCT score FROM entities WHERE kind = $q$org$q$)',
      plainIn: " WHERE tenant_id IN (SELECT tenant_id FROM entities WHERE kind = 'place')",
    } as const;
    // Weighted towards the provable shapes, so both outcomes are exercised often.
    const sourceArb = fc.oneof(
      { arbitrary: fc.constant('table' as const), weight: 3 },
      fc.constantFrom('plainSubquery' as const, 'distinctSubquery' as const, 'distinctScores' as const),
    );
    const whereArb = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          'none' as const,
          'kind' as const,
          'score' as const,
          'notDistinctFrom' as const,
        ),
        weight: 3,
      },
      fc.constantFrom('distinctIn' as const, 'plainIn' as const),
    );
    const queryArb = fc.oneof(
      fc.record({
        kind: fc.constant('aggregate' as const),
        items: fc.array(aggregateArb, { minLength: 1, maxLength: 3 }),
        alias: fc.boolean(),
        groupBy: fc.boolean(),
        source: sourceArb,
        where: whereArb,
      }),
      fc.record({
        kind: fc.constant('rows' as const),
        distinct: fc.boolean(),
        columns: fc.subarray(['kind', 'score', 'name'], { minLength: 1 }),
        source: sourceArb,
        where: whereArb,
      }),
    );
    const multiset = (rows: readonly Record<string, unknown>[]): string[] =>
      rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();
    const outcomes = { merged: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(queryArb, async (q) => {
        const from = sources[q.source];
        const where = wheres[q.where];
        let sql: string;
        let provable: boolean;
        const plainSource =
          q.source === 'table' &&
          (q.where === 'none' || q.where === 'kind' || q.where === 'score' || q.where === 'notDistinctFrom');
        if (q.kind === 'aggregate') {
          const items = q.items.map((a, i) => {
            const call = `${a.fn.toUpperCase()}(${a.distinct ? 'DISTINCT ' : ''}${a.arg})`;
            return q.alias || q.items.length > 1 ? `${call} AS a${i}` : call;
          });
          sql = `SELECT ${q.groupBy ? 'kind, ' : ''}${items.join(', ')} FROM ${from}${where}${q.groupBy ? ' GROUP BY kind' : ''}`;
          provable = plainSource && !q.groupBy && q.items.every((a) => !a.distinct && a.fn !== 'avg');
        } else {
          sql = `SELECT ${q.distinct ? 'DISTINCT ' : ''}${q.columns.join(', ')} FROM ${from}${where}`;
          provable = plainSource && !q.distinct;
        }
        let got: Record<string, unknown>[];
        try {
          got = (await cluster.distributor.broadcast({ sql })).rows;
        } catch (error) {
          expect((error as { code?: string }).code, sql).toBe('SHARD_MERGE_UNSUPPORTED');
          expect(provable, `a provable shape was refused: ${sql}`).toBe(false);
          outcomes.refused++;
          return;
        }
        outcomes.merged++;
        const expected = await oracle.query(sql);
        expect(multiset(got), sql).toEqual(multiset(expected.rows));
      }),
      { numRuns: 150, seed: 17 },
    );
    expect(outcomes.merged).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(10);
  });

  it('fails the call when a shard fails, or returns partial rows plus the per-shard errors when asked', async () => {
    const c = await cluster.direct(1);
    await c.query('ALTER TABLE entities RENAME TO entities_gone');
    try {
      const failed = await cluster.distributor
        .broadcast({ sql: 'SELECT id FROM entities' })
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({
        code: 'SHARD_BROADCAST_FAILED',
        details: { failedShards: [{ shardId: 'shard-1', code: 'SHARD_QUERY_FAILED' }] },
      });
      const partial = await cluster.distributor.broadcast<{ id: string }>({
        sql: 'SELECT id FROM entities',
        onShardError: 'partial',
      });
      expect(partial.shards).toEqual(['shard-0', 'shard-2']);
      expect(partial.errors.map((e) => [e.shardId, e.error.details.sqlState])).toEqual([
        ['shard-1', '42P01'],
      ]);
      const { rows } = await oracle.query('SELECT id, tenant_id FROM entities');
      const expected = rows.filter((r) => cluster.router.route(r.tenant_id) !== 'shard-1').map((r) => r.id);
      expect(partial.rows.map((r) => r.id).sort()).toEqual(expected.sort());
    } finally {
      await c.query('ALTER TABLE entities_gone RENAME TO entities');
      await c.end();
    }
  });

  it('times a slow shard out per shard, without waiting for it', async () => {
    const started = performance.now();
    const result = await cluster.distributor.broadcast({
      sql: "SELECT CASE WHEN current_database() LIKE '%shard_bc_1%' THEN pg_sleep(5) END AS slept",
      merge: {}, // one row per shard, on purpose
      timeoutMs: 300,
      onShardError: 'partial',
    });
    expect(result.errors.map((e) => [e.shardId, e.error.code])).toEqual([['shard-1', 'SHARD_QUERY_TIMEOUT']]);
    expect(result.shards).toEqual(['shard-0', 'shard-2']);
    expect(performance.now() - started).toBeLessThan(4000);
  });
});
