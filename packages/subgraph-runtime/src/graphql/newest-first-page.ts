import type { RequestContext } from '../context/request-context.js';
import { badInput } from './input-rules.js';
import { type Connection, type PageArgs, pageRequest, toConnection } from './relay-pagination.js';

/** A row a newest-first page can hold: its sort key (and cursor) is `(createdAt, id)`. */
export interface NewestFirstRecord {
  readonly id: string;
  readonly createdAt: string;
}

/** What `newestFirstPage` reads: one table of tenant rows, optionally narrowed by one enum argument. */
export interface NewestFirstPageQuery<T extends NewestFirstRecord> {
  /** A table keyed by `(tenant_id, id)` with a `created_at` column. */
  readonly table: string;
  /** The columns `toRecord` needs, as a `SELECT` list. */
  readonly columns: string;
  readonly toRecord: (row: Record<string, unknown>) => T;
  /**
   * An equality filter from an enum argument (`kind`, `status`): ignored when `value` is empty,
   * `BAD_USER_INPUT` ("<argument>: unknown <argument>") when it is not in `allowed`.
   */
  readonly filter?: {
    readonly argument: string;
    readonly column: string;
    readonly value: string | null | undefined;
    readonly allowed: ReadonlySet<string>;
  };
  /** The request's by-id loader: primed with the page's rows, so resolving them again costs nothing. */
  readonly prime?: { prime(id: string, record: NoInfer<T>): unknown };
}

/**
 * One page of the caller's tenant's rows of `query.table`, newest first, keyset-paginated on
 * `(created_at, id)` — the list query every subgraph's root connection (`users`, `entities`,
 * `investigations`) is. `first`/`after` are validated before the filter, so a bad page size is
 * reported first; one statement, on a replica fresh enough for the caller.
 */
export async function newestFirstPage<T extends NewestFirstRecord>(
  ctx: RequestContext,
  args: PageArgs,
  query: NewestFirstPageQuery<T>,
): Promise<Connection<T>> {
  const page = pageRequest(args, { maxPageSize: ctx.services.maxPageSize, arity: 2 });
  const params: unknown[] = [ctx.db.tenantId, page.limit + 1];
  let where = 'tenant_id = $1';
  const { filter } = query;
  if (filter?.value) {
    if (!filter.allowed.has(filter.value)) {
      throw badInput(filter.argument, `unknown ${filter.argument}`, filter.value);
    }
    params.push(filter.value);
    where += ` AND ${filter.column} = $${params.length}`;
  }
  if (page.after) {
    params.push(page.after[0], page.after[1]);
    where += ` AND (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  const rows = (
    await ctx.db.read(
      `SELECT ${query.columns} FROM ${query.table} WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    )
  ).map(query.toRecord);
  if (query.prime) for (const row of rows) query.prime.prime(row.id, row);
  return toConnection(rows, page, (r) => [r.createdAt, r.id]);
}
