import {
  createAggregateLoader,
  createRelationshipLoader,
  defineLoaders,
} from '@intelgraph/graphql-dataloader';
import { type RequestContext, rowByIdLoader } from '@intelgraph/subgraph-runtime';
import {
  ENTITY_COLUMNS,
  type EntityRecord,
  RELATIONSHIP_COLUMNS,
  type RelationshipRecord,
  toEntity,
  toRelationship,
} from './entity-row.js';

/** A key of a first-page loader: the parent id and the page size (`<id>|<limit>`). */
export function pageKey(id: string, limit: number): string {
  return `${id}|${limit}`;
}

function splitPageKeys(keys: readonly string[]): Map<number, string[]> {
  const byLimit = new Map<number, string[]>();
  for (const key of keys) {
    const at = key.lastIndexOf('|');
    const limit = Number(key.slice(at + 1));
    const list = byLimit.get(limit) ?? [];
    list.push(key.slice(0, at));
    byLimit.set(limit, list);
  }
  return byLimit;
}

export function entityCacheKeyPrefix(tenantId: string): string {
  return `entity:v1:${tenantId}:`;
}

/**
 * The entities loaders, made per request. Each answers a whole list of parents with one statement
 * (routed by the request's tenant, like every statement of the request: the ids of one request are
 * its tenant's, so they never span shards); first pages of per-parent lists use a window function
 * (`row_number() OVER (PARTITION BY parent)`) to take N rows per parent in that one statement.
 */
export function createEntitiesLoaders(options: { batch?: boolean } = {}) {
  // batch: false is the "naive" baseline of the benchmark: one statement per key, no memo.
  const batching = options.batch === false ? { maxBatchSize: 1, memoize: false } : {};
  return defineLoaders({
    entityById: (ctx: RequestContext) =>
      rowByIdLoader<EntityRecord>(ctx, {
        name: 'entityById',
        type: 'Entity',
        table: 'entities',
        columns: ENTITY_COLUMNS,
        toRecord: toEntity,
        cachePrefix: entityCacheKeyPrefix,
        batching,
      }),
    // Keys `<userId>|<limit>`: the first `limit + 1` entities each user created, newest first.
    entitiesByCreator: (ctx: RequestContext) =>
      createRelationshipLoader<string, EntityRecord & { parentKey: string }>(
        async (keys) => {
          const out: Array<EntityRecord & { parentKey: string }> = [];
          for (const [limit, userIds] of splitPageKeys(keys)) {
            const rows = await ctx.db.read(
              `SELECT * FROM (
               SELECT ${ENTITY_COLUMNS}, row_number() OVER (PARTITION BY created_by ORDER BY created_at DESC, id DESC) AS rn
               FROM entities WHERE tenant_id = $1 AND created_by = ANY($2)
             ) ranked WHERE rn <= $3 ORDER BY created_by, created_at DESC, id DESC`,
              [ctx.db.tenantId, userIds, limit + 1],
            );
            for (const row of rows)
              out.push({ ...toEntity(row), parentKey: pageKey(row.created_by as string, limit) });
          }
          return out;
        },
        {
          ...batching,
          name: 'entitiesByCreator',
          metrics: ctx.services.loaderStats,
          groupBy: (r) => r.parentKey,
        },
      ),
    entityCountByCreator: (ctx: RequestContext) =>
      createAggregateLoader<string>(
        async (userIds) =>
          ctx.db.read<{ key: string; value: string }>(
            'SELECT created_by AS key, count(*) AS value FROM entities WHERE tenant_id = $1 AND created_by = ANY($2) GROUP BY created_by',
            [ctx.db.tenantId, userIds],
          ),
        {
          ...batching,
          name: 'entityCountByCreator',
          kind: 'count',
          metrics: ctx.services.loaderStats,
        },
      ),
    // Keys `<entityId>|<limit>`: the first `limit + 1` links from or to each entity, newest first.
    relationshipsOfEntity: (ctx: RequestContext) =>
      createRelationshipLoader<string, RelationshipRecord & { parentKey: string }>(
        async (keys) => {
          const out: Array<RelationshipRecord & { parentKey: string }> = [];
          for (const [limit, entityIds] of splitPageKeys(keys)) {
            const rows = await ctx.db.read(
              `SELECT * FROM (
               SELECT l.*, row_number() OVER (PARTITION BY anchor ORDER BY created_at DESC, id DESC) AS rn FROM (
                 SELECT ${RELATIONSHIP_COLUMNS}, from_id AS anchor FROM relationships WHERE tenant_id = $1 AND from_id = ANY($2)
                 UNION ALL
                 SELECT ${RELATIONSHIP_COLUMNS}, to_id AS anchor FROM relationships WHERE tenant_id = $1 AND to_id = ANY($2) AND to_id <> from_id
               ) l
             ) ranked WHERE rn <= $3 ORDER BY anchor, created_at DESC, id DESC`,
              [ctx.db.tenantId, entityIds, limit + 1],
            );
            for (const row of rows)
              out.push({ ...toRelationship(row), parentKey: pageKey(row.anchor as string, limit) });
          }
          return out;
        },
        {
          ...batching,
          name: 'relationshipsOfEntity',
          metrics: ctx.services.loaderStats,
          groupBy: (r) => r.parentKey,
        },
      ),
    relationshipCountOfEntity: (ctx: RequestContext) =>
      createAggregateLoader<string>(
        async (entityIds) =>
          ctx.db.read<{ key: string; value: string }>(
            `SELECT anchor AS key, count(*) AS value FROM (
             SELECT from_id AS anchor FROM relationships WHERE tenant_id = $1 AND from_id = ANY($2)
             UNION ALL
             SELECT to_id FROM relationships WHERE tenant_id = $1 AND to_id = ANY($2) AND to_id <> from_id
           ) l GROUP BY anchor`,
            [ctx.db.tenantId, entityIds],
          ),
        {
          ...batching,
          name: 'relationshipCountOfEntity',
          kind: 'count',
          metrics: ctx.services.loaderStats,
        },
      ),
  });
}

export const entitiesLoaders = createEntitiesLoaders();

export type EntitiesLoaders = ReturnType<typeof createEntitiesLoaders>;
