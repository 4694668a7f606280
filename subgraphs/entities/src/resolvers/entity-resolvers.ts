import {
  loadOwnById,
  newestFirstPage,
  ownReferenceResolver,
  type PageArgs,
  pageRequest,
  type SubgraphContext,
  toConnection,
} from '@intelgraph/subgraph-runtime';
import {
  ENTITY_COLUMNS,
  type EntityRecord,
  RELATIONSHIP_COLUMNS,
  type RelationshipRecord,
  toEntity,
  toRelationship,
} from '../entity-row.js';
import { type EntitiesLoaders, pageKey } from '../loaders.js';

export type Ctx = SubgraphContext<EntitiesLoaders>;

export const ENTITY_KINDS = new Set(['PERSON', 'ORGANISATION', 'LOCATION', 'EVENT', 'DOCUMENT', 'OTHER']);

/** A page of the tenant's entities (optionally of one kind), newest first. */
function entitiesPage(ctx: Ctx, args: PageArgs & { kind?: string | null }) {
  return newestFirstPage(ctx, args, {
    table: 'entities',
    columns: ENTITY_COLUMNS,
    toRecord: toEntity,
    filter: { argument: 'kind', column: 'kind', value: args.kind, allowed: ENTITY_KINDS },
    prime: ctx.loaders.entityById,
  });
}

/**
 * Links of one entity. The first page comes from the batched loader (one statement for every
 * entity of a list); later pages (with `after`) are a keyset query of their own.
 */
async function relationshipsPage(entity: EntityRecord, args: PageArgs, ctx: Ctx) {
  const page = pageRequest(args, { maxPageSize: ctx.services.maxPageSize, arity: 2 });
  let rows: readonly RelationshipRecord[];
  if (!page.after) {
    rows = await ctx.loaders.relationshipsOfEntity.load(pageKey(entity.id, page.limit));
  } else {
    rows = (
      await ctx.db.read(
        `SELECT * FROM (
           SELECT ${RELATIONSHIP_COLUMNS} FROM relationships WHERE tenant_id = $1 AND from_id = $2
           UNION ALL
           SELECT ${RELATIONSHIP_COLUMNS} FROM relationships WHERE tenant_id = $1 AND to_id = $2 AND from_id <> $2
         ) l WHERE (created_at, id) < ($4::timestamptz, $5) ORDER BY created_at DESC, id DESC LIMIT $3`,
        [ctx.db.tenantId, entity.id, page.limit + 1, page.after[0], page.after[1]],
      )
    ).map(toRelationship);
  }
  return toConnection(rows, page, (r) => [r.createdAt, r.id]);
}

export const entityResolvers = {
  Query: {
    entity: (_: unknown, args: { id: string }, ctx: Ctx) =>
      loadOwnById(ctx.identity, ctx.loaders.entityById, 'Entity', args.id),
    entities: (_: unknown, args: PageArgs & { kind?: string | null }, ctx: Ctx) => entitiesPage(ctx, args),
  },
  Entity: {
    // Batched: every Entity representation of a gateway _entities call → one statement per shard.
    __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.entityById),
    createdBy: (entity: EntityRecord) => ({ __typename: 'User', id: entity.createdBy }),
    relationships: relationshipsPage,
    relationshipCount: (entity: EntityRecord, _: unknown, ctx: Ctx) =>
      ctx.loaders.relationshipCountOfEntity.load(entity.id),
  },
  Relationship: {
    from: (rel: RelationshipRecord, _: unknown, ctx: Ctx) => ctx.loaders.entityById.load(rel.fromId),
    to: (rel: RelationshipRecord, _: unknown, ctx: Ctx) => ctx.loaders.entityById.load(rel.toId),
  },
};
