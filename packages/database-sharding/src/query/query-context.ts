import { IntelGraphError } from '@intelgraph/errors';
import type { RouteHint, ShardKey } from '../strategies/sharding-strategy.js';
import type { StatementResult } from './node-executor.js';

/**
 * Who is asking: the shard key and whether a replica may answer. Exactly these fields — no index
 * signature, so a misspelt option (`readOnly: true`) is a compile error rather than a write sent
 * to the primary; a GraphQL context is turned into one with `router.keyOf(context)`.
 */
export interface QueryContext {
  /** The shard key (tenant). Required unless `shardKeys` is given (`SHARD_KEY_REQUIRED`). */
  readonly shardKey?: ShardKey;
  /** May be served by a replica. Default false (primary). */
  readonly readonly?: boolean;
  /** Region for the geo strategy. */
  readonly region?: string;
  /**
   * Read-your-writes scope (e.g. the GraphQL request context object): reads after a write in
   * the same session see that write. Default: the context object itself.
   */
  readonly session?: object;
  /** Several keys: allowed for reads on one shard; a write whose keys span shards is refused. */
  readonly shardKeys?: readonly ShardKey[];
}

export interface ShardQuery {
  readonly sql: string;
  readonly params?: readonly unknown[];
  readonly context: QueryContext;
  /** Per-statement deadline in ms (default: the pool's `queryTimeoutMs`). */
  readonly timeoutMs?: number;
}

export interface ShardQueryResult<R> extends StatementResult<R> {
  readonly shardId: string;
  readonly node: string;
  readonly target: 'primary' | 'replica';
}

/** The shard key a query names (`context.shardKey`); `SHARD_KEY_REQUIRED` when it names none. */
export function shardKeyOf(context: QueryContext): ShardKey {
  const key: unknown = context.shardKey;
  if (typeof key === 'string' ? key !== '' : typeof key === 'number' || key instanceof Date)
    return key as ShardKey;
  throw new IntelGraphError(
    'SHARD_KEY_REQUIRED',
    `a query needs context.shardKey (the tenant); got ${key === undefined ? 'none' : JSON.stringify(key)}`,
    { input: key },
  );
}

export function routeHint(context: QueryContext): RouteHint | undefined {
  return context.region === undefined ? undefined : { region: context.region };
}

/** Values travel as parameters: refuse a non-string statement or non-array params outright. */
export function checkSql(sql: unknown, params: unknown): void {
  if (typeof sql !== 'string' || sql.trim() === '' || (params !== undefined && !Array.isArray(params))) {
    throw new IntelGraphError(
      'CONFIG_INVALID',
      'a query needs `sql` (a non-empty string) and `params` (an array of values)',
      {
        input: {
          sql: typeof sql === 'string' ? sql : typeof sql,
          params: Array.isArray(params) ? params.length : typeof params,
        },
      },
    );
  }
}
