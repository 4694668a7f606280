import { isOwnId, type PageArgs, pageRequest, toConnection } from '@intelgraph/subgraph-runtime';
import { ENTITY_COLUMNS, type EntityRecord, toEntity } from '../entity-row.js';
import { pageKey } from '../loaders.js';
import type { Ctx } from './entity-resolvers.js';

interface UserRef {
  readonly id: string;
  /** Present when the gateway resolved it from accounts for a field that @requires it. */
  readonly name?: string;
}

/** The entities a user created. First page batched across users (one statement), later pages keyset. */
async function createdEntities(user: UserRef, args: PageArgs, ctx: Ctx) {
  const page = pageRequest(args, { maxPageSize: ctx.services.maxPageSize, arity: 2 });
  if (!isOwnId(ctx.identity, user.id)) return toConnection([], page, () => []);
  let rows: readonly EntityRecord[];
  if (!page.after) {
    rows = await ctx.loaders.entitiesByCreator.load(pageKey(user.id, page.limit));
  } else {
    rows = (
      await ctx.db.read(
        `SELECT ${ENTITY_COLUMNS} FROM entities WHERE tenant_id = $1 AND created_by = $2
           AND (created_at, id) < ($4::timestamptz, $5) ORDER BY created_at DESC, id DESC LIMIT $3`,
        [ctx.db.tenantId, user.id, page.limit + 1, page.after[0], page.after[1]],
      )
    ).map(toEntity);
  }
  return toConnection(rows, page, (e) => [e.createdAt, e.id]);
}

export const userResolvers = {
  User: {
    // Users live in accounts; this subgraph only needs the id (and `name` when @requires asks).
    __resolveReference: (ref: UserRef) => ref,
    createdEntities,
    entityCount: (user: UserRef, _: unknown, ctx: Ctx) =>
      isOwnId(ctx.identity, user.id) ? ctx.loaders.entityCountByCreator.load(user.id) : 0,
    entitySummary: async (user: UserRef, _: unknown, ctx: Ctx) => {
      const count = isOwnId(ctx.identity, user.id)
        ? ((await ctx.loaders.entityCountByCreator.load(user.id)) ?? 0)
        : 0;
      return `${user.name ?? user.id} created ${count} ${count === 1 ? 'entity' : 'entities'}`;
    },
  },
};
