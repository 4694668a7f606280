import { describe, expect, it } from 'vitest';
import { inferMerge } from '../src/query/infer-merge.js';

describe('inferMerge', () => {
  it('merges a select list of COUNT/SUM/MIN/MAX into one row, naming columns as PostgreSQL does', () => {
    expect(inferMerge('SELECT COUNT(*) FROM entities')).toEqual({ aggregates: { count: 'count' } });
    expect(
      inferMerge('select count(id) as n, SUM(score) AS Total, max(x) "Big One" from t where a = $1'),
    ).toEqual({
      aggregates: { n: 'count', total: 'sum', 'Big One': 'max' },
    });
    expect(inferMerge('SELECT min(created_at)\n  FROM entities e JOIN x ON true')).toEqual({
      aggregates: { min: 'min' },
    });
  });

  it('leaves everything else to concatenation (or an explicit merge)', () => {
    for (const sql of [
      'SELECT id FROM entities',
      'SELECT kind, COUNT(*) FROM entities GROUP BY kind',
      'SELECT AVG(score) FROM entities',
      'SELECT COUNT(DISTINCT tenant_id) FROM entities',
      'SELECT COUNT(*)::int FROM entities',
      'SELECT COUNT(*), COUNT(id) FROM entities',
      'SELECT COUNT(*) OVER () FROM entities',
      'SELECT COUNT(*) FROM a UNION ALL SELECT COUNT(*) FROM b',
      'SELECT (SELECT COUNT(*) FROM a) FROM b',
      'WITH x AS (SELECT 1) SELECT COUNT(*) FROM x',
      'SELECT COUNT(*) FROM entities HAVING COUNT(*) > 1',
    ]) {
      expect(inferMerge(sql), sql).toBeUndefined();
    }
  });
});
