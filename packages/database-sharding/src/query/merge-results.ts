import { mergeAggregates } from './merge-aggregates.js';
import { mergeSorted } from './merge-sorted.js';
import type { MergeSpec, OrderByKey } from './merge-spec.js';
import { quoteIdentifier } from './quote-identifier.js';
import { rowComparator, type SortKey } from './value-order.js';

type Row = Record<string, unknown>;

/** One shard's answer as the merge sees it. */
export interface ShardRows {
  readonly rows: Row[];
  readonly fields: ReadonlyArray<{ readonly name: string; readonly dataTypeID: number }>;
}

/**
 * The SQL each shard runs for a broadcast: as given, or (with ORDER BY and no aggregates)
 * wrapped to sort, and with a LIMIT of `offset + limit` pushed down as an extra parameter: no
 * shard can contribute more rows than that to the merged page.
 */
export function shardSql(
  sql: string,
  params: readonly unknown[],
  merge: MergeSpec | undefined,
): { sql: string; params: unknown[] } {
  if (!merge?.orderBy?.length || merge.aggregates) return { sql, params: [...params] };
  const order = merge.orderBy.map(orderClause).join(', ');
  let wrapped = `SELECT * FROM (${sql}) AS ig_shard_rows ORDER BY ${order}`;
  const out = [...params];
  if (merge.limit !== undefined) {
    out.push((merge.offset ?? 0) + merge.limit);
    wrapped += ` LIMIT $${out.length}`;
  }
  return { sql: wrapped, params: out };
}

function orderClause(key: OrderByKey): string {
  const direction = key.direction === 'desc' ? 'DESC' : 'ASC';
  const nulls = key.nulls ? ` NULLS ${key.nulls === 'first' ? 'FIRST' : 'LAST'}` : '';
  const collate = key.collate ? ` COLLATE ${quoteIdentifier(key.collate)}` : '';
  return `${quoteIdentifier(key.column)}${collate} ${direction}${nulls}`;
}

function sortKeys(orderBy: readonly OrderByKey[], types: ReadonlyMap<string, number>): SortKey[] {
  return orderBy.map((k) => {
    const direction = k.direction ?? 'asc';
    return {
      column: k.column,
      direction,
      nulls: k.nulls ?? (direction === 'asc' ? 'last' : 'first'),
      typeOid: types.get(k.column),
    };
  });
}

/** Merges the answers of every shard (in shard order) per `merge`. */
export function mergeResults(results: readonly ShardRows[], merge: MergeSpec | undefined): Row[] {
  const types = new Map<string, number>();
  for (const r of results) for (const f of r.fields) if (!types.has(f.name)) types.set(f.name, f.dataTypeID);
  const offset = merge?.offset ?? 0;
  const limit = merge?.limit ?? Infinity;
  if (merge?.aggregates) {
    let rows = mergeAggregates(
      results.flatMap((r) => r.rows),
      merge.groupBy ?? [],
      merge.aggregates,
      types,
    );
    if (merge.orderBy?.length) rows = rows.sort(rowComparator(sortKeys(merge.orderBy, types)));
    return rows.slice(offset, offset + limit);
  }
  if (merge?.orderBy?.length) {
    return mergeSorted(
      results.map((r) => r.rows),
      rowComparator(sortKeys(merge.orderBy, types)),
      offset,
      limit,
    );
  }
  return results.flatMap((r) => r.rows).slice(offset, offset + limit);
}
