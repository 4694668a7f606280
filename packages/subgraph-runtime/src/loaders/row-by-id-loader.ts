import { entityTag, tenantTag } from '@intelgraph/advanced-caching';
import { createEntityLoader, type DataLoader, type LoaderOptions } from '@intelgraph/graphql-dataloader';
import type { RequestContext } from '../context/request-context.js';

export interface RowByIdLoaderOptions<V> {
  /** Name in metrics and errors (`userById`). */
  readonly name: string;
  /**
   * The GraphQL type of the rows (`User`): a cached row is tagged `User:<id>`, the tag the writes
   * changing it declare (`invalidationTags({ objects: [{ type: 'User', id }] })`), and with its
   * tenant's tag (`@tenant:<tenant>`), which a move of the tenant to another shard invalidates.
   */
  readonly type: string;
  /** A table keyed by `(tenant_id, id)` whose ids are routable (they embed the tenant). */
  readonly table: string;
  /** The columns `toRecord` needs, as a `SELECT` list. */
  readonly columns: string;
  readonly toRecord: (row: Record<string, unknown>) => V & { readonly id: string };
  /**
   * Read-through to the service's cache under this tenant-scoped prefix (its version part lets a
   * record's shape change without reading old entries). Omit it for rows that change with every
   * command and are as cheap to read as a cache round trip. A tenant that cannot form a tenant tag
   * (`tenantTag`) is read without the cache: its entries could not be invalidated when it moves.
   */
  readonly cachePrefix?: (tenantId: string) => string;
  /** DataLoader batching and memoizing (only the benchmark's naive baseline turns them off). */
  readonly batching?: Pick<LoaderOptions<string, V>, 'maxBatchSize' | 'memoize'>;
}

/**
 * The by-id loader of a type a subgraph owns (`userById`, `entityById`, …), made per request:
 * every id of a batch — a gateway `_entities` call, a list's items — is read with one statement
 * (`id = ANY(…)`), optionally through the cache. The loader does not group ids by shard: they are
 * all the request's tenant's, and `TenantDb` routes the statement by that tenant, once.
 */
export function rowByIdLoader<V>(
  ctx: RequestContext,
  options: RowByIdLoaderOptions<V>,
): DataLoader<string, V | null> {
  const { table, columns, toRecord, cachePrefix } = options;
  // Every key of the loader is the request's tenant's (the statement reads only its rows).
  const tenant = cachePrefix ? tenantTag(ctx.db.tenantId) : undefined;
  return createEntityLoader<string, V>(
    async (ids) =>
      (
        await ctx.db.read(`SELECT ${columns} FROM ${table} WHERE tenant_id = $1 AND id = ANY($2)`, [
          ctx.db.tenantId,
          ids,
        ])
      ).map(toRecord),
    {
      ...options.batching,
      name: options.name,
      metrics: ctx.services.loaderStats,
      ...(cachePrefix && tenant
        ? {
            cache: ctx.services.loaderCache<V | null>({
              prefix: cachePrefix(ctx.db.tenantId),
              tags: (id) => [entityTag(options.type, id) ?? options.type, tenant],
            }),
          }
        : {}),
    },
  );
}
