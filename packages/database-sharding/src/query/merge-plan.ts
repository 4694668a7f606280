import { IntelGraphError } from '@intelgraph/errors';
import type { AggregateMerge, MergeSpec } from './merge-spec.js';
import { type SqlShape, type SqlToken, sqlShape } from './sql-shape.js';

/** Why a broadcast was refused: the shape whose merged answer could differ from one database's. */
export type MergeRefusal =
  | 'distinct-aggregate'
  | 'distinct-subquery'
  | 'distinct'
  | 'subquery'
  | 'set-operation'
  | 'join'
  | 'no-table'
  | 'not-a-select'
  | 'multiple-statements'
  | 'window'
  | 'group-by'
  | 'having'
  | 'order-by'
  | 'limit'
  | 'aggregate';

const WHY: Record<MergeRefusal, string> = {
  'distinct-aggregate':
    'a DISTINCT aggregate de-duplicates within each shard only: the same value on two shards is counted (or summed) twice',
  'distinct-subquery':
    'a DISTINCT inside a subquery de-duplicates within each shard only, so whatever is computed over it differs from one database',
  distinct:
    'SELECT DISTINCT de-duplicates within each shard only: a row present on two shards comes back twice',
  subquery: 'a subquery (or CTE) is evaluated over one shard’s rows, not over all of them',
  'set-operation': 'UNION / INTERSECT / EXCEPT are evaluated per shard, not over the rows of every shard',
  join: 'a join is evaluated per shard: rows on different shards never meet',
  'no-table': 'a statement without FROM returns one row per shard, not one row',
  'not-a-select': 'only SELECT statements are merged',
  'multiple-statements': 'a broadcast runs one statement',
  window: 'a window function sees one shard’s rows only',
  'group-by':
    'per-shard groups must be folded: use merge.aggregates with groupBy (aggregateQuery builds both)',
  having: 'HAVING filters per-shard partial groups, not the merged ones',
  'order-by': 'concatenated shard results are not in order: use merge.orderBy (k-way merge)',
  limit: 'a LIMIT / OFFSET per shard is not the LIMIT of the merged rows: use merge.limit / merge.offset',
  aggregate:
    'only COUNT / SUM / MIN / MAX calls (no DISTINCT, FILTER, casts or arithmetic) merge from per-shard partials: use aggregateQuery (AVG included) or merge.aggregates',
};

function refuse(sql: string, reason: MergeRefusal, explicit: boolean): never {
  throw new IntelGraphError(
    'SHARD_MERGE_UNSUPPORTED',
    `broadcast cannot merge this query across shards exactly (${reason}): ${WHY[reason]}${explicit ? '' : '; pass merge: {} for the rows of each shard as they are'}`,
    { input: sql, details: { reason, explicitMerge: explicit } },
  );
}

/** The first DISTINCT problem of a statement, if any (refused with any merge). */
function distinctRefusal(shape: SqlShape): MergeRefusal | undefined {
  if (shape.aggregates.some((a) => a.distinct)) return 'distinct-aggregate';
  if (shape.distinctSubquery) return 'distinct-subquery';
  if (shape.distinctSelect) return 'distinct';
  return undefined;
}

const SET_OPERATIONS = ['union', 'intersect', 'except'] as const;

/**
 * Decides how `broadcast` merges the rows of every shard, and refuses (`SHARD_MERGE_UNSUPPORTED`)
 * what it cannot prove equal to the answer of one database holding every shard's rows:
 *
 * - **No `merge`**: only two shapes are proven. A plain global aggregate over one table — a select
 *   list made only of COUNT / SUM / MIN / MAX calls, no DISTINCT, no GROUP BY / HAVING / LIMIT —
 *   is folded into one row. A plain row query over one table — no aggregate, no DISTINCT, no
 *   GROUP BY / ORDER BY / LIMIT — is concatenated (the union of every shard's rows is the
 *   answer). Anything else (joins, subqueries, DISTINCT anywhere, window functions, set
 *   operations, AVG, …) is refused.
 * - **`merge.aggregates` or `merge.orderBy`**: the caller states how partials combine and that
 *   the per-shard statement sees whole groups (joins and subqueries only relate rows of one
 *   tenant). Still refused: DISTINCT anywhere (per-shard de-duplication never equals a global
 *   one), a per-shard LIMIT / OFFSET, a window function, a set operation other than UNION ALL,
 *   and for a row merge (`orderBy` only) GROUP BY or aggregate calls.
 * - **`merge: {}`** (nothing to merge): the rows of each shard as they are, by the caller's choice.
 */
export function planMerge(sql: string, merge: MergeSpec | undefined): MergeSpec | undefined {
  if (merge !== undefined) return checkExplicit(sql, merge);
  const shape = sqlShape(sql);
  if (shape.multipleStatements) refuse(sql, 'multiple-statements', false);
  if (shape.verb === 'with') refuse(sql, distinctRefusal(shape) ?? 'subquery', false);
  if (shape.verb !== 'select') refuse(sql, 'not-a-select', false);
  const distinct = distinctRefusal(shape);
  if (distinct) refuse(sql, distinct, false);
  if (SET_OPERATIONS.some((op) => shape.clauses.has(op)) || shape.clauses.has('union all'))
    refuse(sql, 'set-operation', false);
  if (shape.subquery) refuse(sql, 'subquery', false);
  if (shape.window || shape.clauses.has('window')) refuse(sql, 'window', false);
  if (shape.from === 'none') refuse(sql, 'no-table', false);
  if (shape.from === 'several') refuse(sql, 'join', false);
  if (shape.clauses.has('group by')) refuse(sql, 'group-by', false);
  if (shape.clauses.has('having')) refuse(sql, 'having', false);
  if (shape.clauses.has('order by')) refuse(sql, 'order-by', false);
  if (shape.clauses.has('limit') || shape.clauses.has('offset') || shape.clauses.has('fetch'))
    refuse(sql, 'limit', false);
  if (shape.aggregates.length === 0) return undefined; // a row query: concatenation is the answer
  const aggregates = globalAggregates(shape.selectList);
  if (!aggregates) refuse(sql, 'aggregate', false);
  return { aggregates };
}

function checkExplicit(sql: string, merge: MergeSpec): MergeSpec {
  const folds = merge.aggregates !== undefined;
  const sorts = (merge.orderBy?.length ?? 0) > 0;
  if (!folds && !sorts) return merge; // per-shard rows, concatenated: the caller's choice
  const shape = sqlShape(sql);
  if (shape.multipleStatements) refuse(sql, 'multiple-statements', true);
  const distinct = distinctRefusal(shape);
  if (distinct) refuse(sql, distinct, true);
  if (SET_OPERATIONS.some((op) => shape.clauses.has(op))) refuse(sql, 'set-operation', true);
  if (shape.clauses.has('limit') || shape.clauses.has('offset') || shape.clauses.has('fetch'))
    refuse(sql, 'limit', true);
  if (shape.window) refuse(sql, 'window', true);
  if (!folds) {
    if (shape.clauses.has('group by')) refuse(sql, 'group-by', true);
    if (shape.aggregates.some((a) => !a.nested)) refuse(sql, 'aggregate', true);
  }
  return merge;
}

const MERGEABLE = new Set(['count', 'sum', 'min', 'max']);

/**
 * The merge of a select list made only of `fn(args) [[AS] alias]` items with fn COUNT / SUM /
 * MIN / MAX, columns named as PostgreSQL names them (the alias, else the function's name);
 * undefined for anything else, or for two columns of one name (ambiguous).
 */
function globalAggregates(list: readonly SqlToken[]): Record<string, AggregateMerge> | undefined {
  const items: SqlToken[][] = [[]];
  for (const t of list) {
    if (t.depth === 0 && t.text === ',') items.push([]);
    else items.at(-1)!.push(t);
  }
  const aggregates: Record<string, AggregateMerge> = {};
  for (const item of items) {
    const [fn, open] = item;
    if (fn?.kind !== 'word' || !MERGEABLE.has(fn.text) || open?.text !== '(' || open.depth !== 0)
      return undefined;
    const close = item.findIndex((t, i) => i > 1 && t.depth === 0 && t.text === ')');
    if (close < 0) return undefined;
    let rest = item.slice(close + 1);
    if (rest[0]?.kind === 'word' && rest[0].text === 'as') rest = rest.slice(1);
    if (rest.length > 1 || (rest.length === 1 && rest[0]!.kind !== 'word' && rest[0]!.kind !== 'quoted'))
      return undefined;
    const column = rest[0]?.text ?? fn.text;
    if (column in aggregates) return undefined;
    aggregates[column] = fn.text as 'count' | 'sum' | 'min' | 'max';
  }
  return aggregates;
}
