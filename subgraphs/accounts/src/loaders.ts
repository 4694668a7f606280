import { createAggregateLoader, createEntityLoader, defineLoaders } from '@intelgraph/graphql-dataloader';
import { type RequestContext, rowByIdLoader } from '@intelgraph/subgraph-runtime';
import { type TenantRecord, toTenant, toUser, USER_COLUMNS, type UserRecord } from './user-row.js';

/**
 * The accounts loaders, made per request. `userById` answers `__resolveReference` for every User
 * the gateway asks for in one query per shard (and from the cache when warm).
 */
export const accountsLoaders = defineLoaders({
  userById: (ctx: RequestContext) =>
    rowByIdLoader<UserRecord>(ctx, {
      name: 'userById',
      type: 'User',
      table: 'users',
      columns: USER_COLUMNS,
      toRecord: toUser,
      cachePrefix: (tenantId) => `user:v1:${tenantId}:`,
    }),
  tenantById: (ctx: RequestContext) =>
    createEntityLoader<string, TenantRecord>(
      async (ids) =>
        (await ctx.db.read('SELECT id, name, created_at FROM tenants WHERE id = ANY($1)', [ids])).map(
          toTenant,
        ),
      { name: 'tenantById', metrics: ctx.services.loaderStats },
    ),
  userCountByTenant: (ctx: RequestContext) =>
    createAggregateLoader<string>(
      async (tenants) =>
        ctx.db.read<{ key: string; value: string }>(
          'SELECT tenant_id AS key, count(*) AS value FROM users WHERE tenant_id = ANY($1) GROUP BY tenant_id',
          [tenants],
        ),
      { name: 'userCountByTenant', kind: 'count', metrics: ctx.services.loaderStats },
    ),
});

export type AccountsLoaders = typeof accountsLoaders;
