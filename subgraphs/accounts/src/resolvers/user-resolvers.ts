import { IntelGraphError } from '@intelgraph/errors';
import {
  isOwnId,
  notFound,
  type PageArgs,
  pageRequest,
  requireOwnId,
  type SubgraphContext,
  toConnection,
} from '@intelgraph/subgraph-runtime';
import type { AccountsLoaders } from '../loaders.js';
import { toUser, USER_COLUMNS, type UserRecord } from '../user-row.js';
import { loadTenant } from './tenant-resolvers.js';

type Ctx = SubgraphContext<AccountsLoaders>;

/** One page of the tenant's users, newest first, keyset-paginated on (created_at, id). */
export async function usersPage(ctx: Ctx, args: PageArgs) {
  const page = pageRequest(args, { maxPageSize: ctx.services.maxPageSize, arity: 2 });
  const params: unknown[] = [ctx.db.tenantId, page.limit + 1];
  let where = 'tenant_id = $1';
  if (page.after) {
    params.push(page.after[0], page.after[1]);
    where += ' AND (created_at, id) < ($3::timestamptz, $4)';
  }
  const rows = await ctx.db.read(
    `SELECT ${USER_COLUMNS} FROM users WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
    params,
  );
  const users = rows.map(toUser);
  for (const user of users) ctx.loaders.userById.prime(user.id, user);
  return toConnection(users, page, (u) => [u.createdAt, u.id]);
}

export const userResolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: Ctx) => {
      const id = ctx.identity.userId;
      if (id === undefined || !isOwnId(ctx.identity, id)) return null;
      return ctx.loaders.userById.load(id);
    },
    user: async (_: unknown, args: { id: string }, ctx: Ctx) => {
      const id = requireOwnId(ctx.identity, args.id, 'User');
      const user = await ctx.loaders.userById.load(id);
      if (!user) throw notFound('User', id);
      return user;
    },
    users: (_: unknown, args: PageArgs, ctx: Ctx) => usersPage(ctx, args),
  },
  User: {
    // Batched: the gateway sends every User representation of a query in one _entities call,
    // and the loader answers them all with one query per shard.
    __resolveReference: (ref: { id: string }, ctx: Ctx) =>
      isOwnId(ctx.identity, ref.id) ? ctx.loaders.userById.load(ref.id) : null,
    tenant: (_: UserRecord, __: unknown, ctx: Ctx) => loadTenant(ctx),
  },
};

export function duplicateEmail(email: string): IntelGraphError {
  return new IntelGraphError('BAD_USER_INPUT', `input.email: a user with email ${email} already exists`, {
    input: email,
    details: { argument: 'input.email' },
  });
}
