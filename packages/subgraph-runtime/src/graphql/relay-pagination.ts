import { IntelGraphError } from '@intelgraph/errors';

/** `first` / `after` as a connection field receives them. */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** A validated page request: fetch `limit + 1` rows after `after` to learn whether there is more. */
export interface PageRequest {
  readonly limit: number;
  /** The sort key values of the last row of the previous page. */
  readonly after: readonly string[] | undefined;
}

export interface Connection<T> {
  readonly edges: Array<{ cursor: string; node: T }>;
  readonly pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

const PREFIX = 'c1:';

/** An opaque cursor over a row's sort key (e.g. `[createdAt, id]`). */
export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(PREFIX + JSON.stringify(values)).toString('base64url');
}

/** The sort key in a cursor; `BAD_USER_INPUT` for anything this API did not issue. */
export function decodeCursor(cursor: string, arity: number, argument = 'after'): string[] {
  const bad = (): IntelGraphError =>
    new IntelGraphError('BAD_USER_INPUT', `${argument} is not a cursor issued by this API`, {
      input: cursor.slice(0, 200),
      details: { argument },
    });
  if (typeof cursor !== 'string' || cursor.length > 1024 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw bad();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) throw bad();
  let values: unknown;
  try {
    values = JSON.parse(text.slice(PREFIX.length));
  } catch {
    throw bad();
  }
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => typeof v === 'string'))
    throw bad();
  return values as string[];
}

/**
 * Validates `first`/`after`: `first` from 0 to `maxPageSize` (default `defaultPageSize`), `after`
 * a cursor of `arity` values. Anything else is `BAD_USER_INPUT` naming the argument and the bound.
 */
export function pageRequest(
  args: PageArgs,
  options: { maxPageSize: number; defaultPageSize?: number; arity: number },
): PageRequest {
  const first = args.first ?? Math.min(options.defaultPageSize ?? 20, options.maxPageSize);
  if (!Number.isInteger(first) || first < 0 || first > options.maxPageSize) {
    throw new IntelGraphError(
      'BAD_USER_INPUT',
      `first must be an integer from 0 to ${options.maxPageSize}, got ${String(first)}`,
      { input: first, details: { argument: 'first', max: options.maxPageSize } },
    );
  }
  const after = args.after == null ? undefined : decodeCursor(args.after, options.arity);
  return { limit: first, after };
}

/** A Relay connection from up to `limit + 1` rows (the extra one only tells there is a next page). */
export function toConnection<T>(
  rows: readonly T[],
  request: PageRequest,
  sortKeyOf: (row: T) => readonly string[],
): Connection<T> {
  const page = rows.slice(0, request.limit);
  const edges = page.map((node) => ({ cursor: encodeCursor(sortKeyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > request.limit,
      hasPreviousPage: request.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
