import { describe, expect, it } from 'vitest';
import { planMerge } from '../src/query/merge-plan.js';
import { sqlShape } from '../src/query/sql-shape.js';

function refusal(sql: string, merge?: Parameters<typeof planMerge>[1]): unknown {
  try {
    planMerge(sql, merge);
    return undefined;
  } catch (error) {
    const e = error as { code: string; details: { reason: string } };
    expect(e.code).toBe('SHARD_MERGE_UNSUPPORTED');
    return e.details.reason;
  }
}

describe('planMerge without a merge spec', () => {
  it('folds a plain global aggregate into one row, naming columns as PostgreSQL does', () => {
    expect(planMerge('SELECT COUNT(*) FROM entities', undefined)).toEqual({ aggregates: { count: 'count' } });
    expect(
      planMerge(
        'select count(id) as n, SUM(score) AS Total, max(x) "Big One" from t where a = $1',
        undefined,
      ),
    ).toEqual({ aggregates: { n: 'count', total: 'sum', 'Big One': 'max' } });
    expect(planMerge('SELECT min(created_at)\n  FROM entities e WHERE e.kind = $1', undefined)).toEqual({
      aggregates: { min: 'min' },
    });
  });

  it('concatenates a plain row query over one table', () => {
    expect(planMerge('SELECT id, kind FROM entities WHERE score > $1', undefined)).toBeUndefined();
    expect(
      planMerge("SELECT id FROM entities WHERE name = 'select distinct count(x)'", undefined),
    ).toBeUndefined();
    expect(
      planMerge('SELECT id FROM entities -- DISTINCT\n WHERE a IS NOT DISTINCT FROM $1', undefined),
    ).toBeUndefined();
  });

  it.each([
    ['SELECT SUM(DISTINCT score) FROM entities', 'distinct-aggregate'],
    ['SELECT COUNT(DISTINCT tenant_id) FROM entities', 'distinct-aggregate'],
    ['SELECT count( distinct kind ) AS n FROM entities', 'distinct-aggregate'],
    ['SELECT kind, COUNT(DISTINCT name) FROM entities GROUP BY kind', 'distinct-aggregate'],
    ['SELECT COUNT(*) FROM (SELECT DISTINCT kind FROM entities) d', 'distinct-subquery'],
    [
      'SELECT SUM(score) FROM entities WHERE score IN (SELECT DISTINCT score FROM entities)',
      'distinct-subquery',
    ],
    ['WITH k AS (SELECT DISTINCT kind FROM entities) SELECT COUNT(*) FROM k', 'distinct-subquery'],
    ['SELECT DISTINCT kind FROM entities', 'distinct'],
    ['SELECT DISTINCT ON (kind) kind, score FROM entities', 'distinct'],
    ['SELECT COUNT(*) FROM (SELECT kind FROM entities) d', 'subquery'],
    ['SELECT (SELECT COUNT(*) FROM a) FROM b', 'subquery'],
    ['WITH x AS (SELECT 1) SELECT COUNT(*) FROM x', 'subquery'],
    ['SELECT COUNT(*) FROM a UNION ALL SELECT COUNT(*) FROM b', 'set-operation'],
    ['SELECT id FROM a UNION SELECT id FROM b', 'set-operation'],
    ['SELECT a.id FROM a JOIN b ON a.x = b.x', 'join'],
    ['SELECT COUNT(*) FROM a, b', 'join'],
    ['SELECT 1 AS one', 'no-table'],
    ['DELETE FROM entities', 'not-a-select'],
    ['SELECT 1 FROM t; SELECT 2 FROM t', 'multiple-statements'],
    ['SELECT COUNT(*) OVER () FROM entities', 'window'],
    ['SELECT kind, COUNT(*) FROM entities GROUP BY kind', 'group-by'],
    ['SELECT kind FROM entities GROUP BY kind', 'group-by'],
    ['SELECT COUNT(*) FROM entities HAVING COUNT(*) > 1', 'having'],
    ['SELECT id FROM entities ORDER BY id', 'order-by'],
    ['SELECT id FROM entities LIMIT 5', 'limit'],
    ['SELECT AVG(score) FROM entities', 'aggregate'],
    ['SELECT COUNT(*)::int FROM entities', 'aggregate'],
    ['SELECT COUNT(*) + 1 FROM entities', 'aggregate'],
    ['SELECT COUNT(*), COUNT(id) FROM entities', 'aggregate'],
    ['SELECT COUNT(*) FILTER (WHERE score > 0) FROM entities', 'aggregate'],
    ['SELECT array_agg(id) FROM entities', 'aggregate'],
    ['SELECT id, COUNT(*) FROM entities', 'aggregate'],
  ])('refuses %s (%s)', (sql, reason) => {
    expect(refusal(sql)).toBe(reason);
  });
});

describe('planMerge with a merge spec', () => {
  it('keeps a spec the statement fits', () => {
    const merge = { groupBy: ['kind'], aggregates: { n: 'count' as const } };
    expect(planMerge('SELECT kind, COUNT(*) AS n FROM entities GROUP BY kind', merge)).toBe(merge);
    const sorted = { orderBy: [{ column: 'id' }], limit: 3 };
    expect(planMerge('SELECT e.id FROM entities e JOIN links l ON l.tenant_id = e.tenant_id', sorted)).toBe(
      sorted,
    );
    expect(planMerge('SELECT DISTINCT kind FROM entities', {})).toEqual({});
  });

  it('refuses DISTINCT anywhere, per-shard limits and windows, and aggregates under a row merge', () => {
    expect(refusal('SELECT SUM(DISTINCT score) AS s FROM entities', { aggregates: { s: 'sum' } })).toBe(
      'distinct-aggregate',
    );
    expect(refusal('SELECT COUNT(DISTINCT kind) AS n FROM entities', { aggregates: { n: 'count' } })).toBe(
      'distinct-aggregate',
    );
    expect(
      refusal('SELECT COUNT(*) AS n FROM (SELECT DISTINCT kind FROM entities) d', {
        aggregates: { n: 'count' },
      }),
    ).toBe('distinct-subquery');
    expect(refusal('SELECT DISTINCT kind FROM entities', { orderBy: [{ column: 'kind' }] })).toBe('distinct');
    expect(refusal('SELECT id FROM entities LIMIT 3', { orderBy: [{ column: 'id' }] })).toBe('limit');
    expect(refusal('SELECT COUNT(*) AS n FROM entities', { orderBy: [{ column: 'n' }] })).toBe('aggregate');
    expect(refusal('SELECT kind FROM entities GROUP BY kind', { orderBy: [{ column: 'kind' }] })).toBe(
      'group-by',
    );
    expect(refusal('SELECT id, rank() OVER (ORDER BY id) AS r FROM e', { orderBy: [{ column: 'r' }] })).toBe(
      'window',
    );
    expect(refusal('SELECT id FROM a INTERSECT SELECT id FROM b', { orderBy: [{ column: 'id' }] })).toBe(
      'set-operation',
    );
  });
});

describe('sqlShape', () => {
  it('ignores keywords inside literals, quoted identifiers, dollar quotes and comments', () => {
    const shape = sqlShape(
      `SELECT "distinct", 'count(distinct x)', $tag$ select distinct $tag$, E'it\\'s (' /* union ( */ FROM t`,
    );
    expect(shape.aggregates).toEqual([]);
    expect(shape.distinctSelect).toBe(false);
    expect(shape.subquery).toBe(false);
    expect(shape.clauses.size).toBe(0);
    expect(shape.from).toBe('single');
  });
});
