import { IntelGraphError } from '@intelgraph/errors';
import {
  isOwnId,
  loadOwnById,
  newestFirstPage,
  ownReferenceResolver,
  type PageArgs,
  type SubgraphContext,
} from '@intelgraph/subgraph-runtime';
import type { AccountsLoaders } from '../loaders.js';
import { toUser, USER_COLUMNS, type UserRecord } from '../user-row.js';
import { loadTenant } from './tenant-resolvers.js';

type Ctx = SubgraphContext<AccountsLoaders>;

/** One page of the tenant's users, newest first, keyset-paginated on (created_at, id). */
export function usersPage(ctx: Ctx, args: PageArgs) {
  return newestFirstPage(ctx, args, {
    table: 'users',
    columns: USER_COLUMNS,
    toRecord: toUser,
    prime: ctx.loaders.userById,
  });
}

export const userResolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: Ctx) => {
      const id = ctx.identity.userId;
      if (id === undefined || !isOwnId(ctx.identity, id)) return null;
      return ctx.loaders.userById.load(id);
    },
    user: (_: unknown, args: { id: string }, ctx: Ctx) =>
      loadOwnById(ctx.identity, ctx.loaders.userById, 'User', args.id),
    users: (_: unknown, args: PageArgs, ctx: Ctx) => usersPage(ctx, args),
  },
  User: {
    // Batched: the gateway sends every User representation of a query in one _entities call,
    // and the loader answers them all with one query per shard.
    __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.userById),
    tenant: (_: UserRecord, __: unknown, ctx: Ctx) => loadTenant(ctx),
  },
};

export function duplicateEmail(email: string): IntelGraphError {
  return new IntelGraphError('BAD_USER_INPUT', `input.email: a user with email ${email} already exists`, {
    input: email,
    details: { argument: 'input.email' },
  });
}
