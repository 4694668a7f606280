import type { PageArgs, SubgraphContext } from '@intelgraph/subgraph-runtime';
import type { AccountsLoaders } from '../loaders.js';
import type { TenantRecord } from '../user-row.js';
import { usersPage } from './user-resolvers.js';

type Ctx = SubgraphContext<AccountsLoaders>;

/** The caller's tenant; a tenant that never registered still has an id (its name is the id). */
export async function loadTenant(ctx: Ctx): Promise<TenantRecord> {
  const id = ctx.identity.tenantId;
  return (await ctx.loaders.tenantById.load(id)) ?? { id, name: id, createdAt: new Date(0).toISOString() };
}

export const tenantResolvers = {
  Query: {
    tenant: (_: unknown, __: unknown, ctx: Ctx) => loadTenant(ctx),
  },
  Tenant: {
    // Only the caller's own tenant resolves: another tenant's id is as good as unknown.
    __resolveReference: (ref: { id: string }, ctx: Ctx) =>
      ref.id === ctx.identity.tenantId ? loadTenant(ctx) : null,
    users: (_: TenantRecord, args: PageArgs, ctx: Ctx) => usersPage(ctx, args),
    userCount: (tenant: TenantRecord, _: unknown, ctx: Ctx) => ctx.loaders.userCountByTenant.load(tenant.id),
  },
};
