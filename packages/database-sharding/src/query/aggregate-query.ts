import type { AggregateMerge, MergeSpec, OrderByKey } from './merge-spec.js';
import { quoteIdentifier } from './quote-identifier.js';

export type AggregateFunction = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface AggregateQueryOptions {
  /** Table (or `schema.table`). */
  readonly from: string;
  /** A parameterized condition (`tenant_id = $1 AND kind = $2`), without `WHERE`. */
  readonly where?: string;
  readonly params?: readonly unknown[];
  readonly groupBy?: readonly string[];
  /** Output column → aggregate; `column` omitted for `count` means `COUNT(*)`. */
  readonly select: Readonly<Record<string, { readonly fn: AggregateFunction; readonly column?: string }>>;
  /** Sort of the merged groups (applied after merging), with limit/offset. */
  readonly orderBy?: readonly OrderByKey[];
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * Builds the per-shard SQL and the merge spec of a cross-shard aggregate, so callers never write
 * partials by hand: `AVG(x)` becomes `SUM(x)` and `COUNT(x)` per shard, merged into sum ÷ count.
 *
 *   const q = aggregateQuery({ from: 'entities', groupBy: ['kind'], select: { n: { fn: 'count' }, mean: { fn: 'avg', column: 'score' } } });
 *   await distributor.broadcast({ ...q, context: { readonly: true } });
 */
export function aggregateQuery(options: AggregateQueryOptions): {
  sql: string;
  params: unknown[];
  merge: MergeSpec;
} {
  const groupBy = options.groupBy ?? [];
  const columns = groupBy.map((c) => quoteIdentifier(c));
  const aggregates: Record<string, AggregateMerge> = {};
  for (const [alias, { fn, column }] of Object.entries(options.select)) {
    const arg = column === undefined ? '*' : quoteIdentifier(column);
    if (fn === 'avg') {
      if (column === undefined) throw new TypeError(`avg of '${alias}' needs a column`);
      const sum = `${alias}__sum`;
      const count = `${alias}__count`;
      columns.push(`SUM(${arg}) AS ${quoteIdentifier(sum)}`, `COUNT(${arg}) AS ${quoteIdentifier(count)}`);
      aggregates[alias] = { avg: { sum, count } };
    } else {
      if (fn !== 'count' && column === undefined) throw new TypeError(`${fn} of '${alias}' needs a column`);
      columns.push(`${fn.toUpperCase()}(${arg}) AS ${quoteIdentifier(alias)}`);
      aggregates[alias] = fn;
    }
  }
  const sql = [
    `SELECT ${columns.join(', ')} FROM ${quoteIdentifier(options.from, true)}`,
    options.where ? `WHERE ${options.where}` : '',
    groupBy.length > 0 ? `GROUP BY ${groupBy.map((c) => quoteIdentifier(c)).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    sql,
    params: [...(options.params ?? [])],
    merge: {
      groupBy,
      aggregates,
      ...(options.orderBy ? { orderBy: options.orderBy } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.offset !== undefined ? { offset: options.offset } : {}),
    },
  };
}
