/** One ORDER BY key of a broadcast: an output column of the query. */
export interface OrderByKey {
  readonly column: string;
  /** Default `asc`. */
  readonly direction?: 'asc' | 'desc';
  /** Default as PostgreSQL: `last` ascending, `first` descending. */
  readonly nulls?: 'first' | 'last';
  /** Collation for the pushed-down ORDER BY (e.g. `C` for text on a locale-collated database). */
  readonly collate?: string;
}

/**
 * How per-shard partials of an aggregate combine. COUNT partials are summed; AVG needs the
 * query to return a SUM and a COUNT column per shard (named here), and yields sum ÷ count.
 */
export type AggregateMerge =
  | 'count'
  | 'sum'
  | 'min'
  | 'max'
  | { readonly avg: { readonly sum: string; readonly count: string } };

/**
 * How `broadcast` merges the rows of each shard. Without a spec, a plain global aggregate
 * (`SELECT COUNT(*), MAX(x) FROM t …`, see `inferMerge`) is merged into one row, and anything else
 * is concatenated in shard order; `merge: {}` always concatenates.
 */
export interface MergeSpec {
  /** Sort keys. Each shard's query is wrapped to sort (and with `limit`, to return only `offset + limit` rows). */
  readonly orderBy?: readonly OrderByKey[];
  readonly limit?: number;
  /** Default 0. */
  readonly offset?: number;
  /** Columns that identify a group (aggregates only). */
  readonly groupBy?: readonly string[];
  /** Output column → how its per-shard partials combine. Makes the merge a GROUP BY merge. */
  readonly aggregates?: Readonly<Record<string, AggregateMerge>>;
}
