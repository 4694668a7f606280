import { createRelationshipLoader, defineLoaders } from '@intelgraph/graphql-dataloader';
import { type RequestContext, rowByIdLoader } from '@intelgraph/subgraph-runtime';
import { INVESTIGATION_COLUMNS, type InvestigationRecord, toInvestigation } from './investigation-row.js';

/**
 * The investigations loaders, made per request; each answers a whole list with one statement
 * (routed by the request's tenant). The read model is not cached across requests: it changes with every command, and a
 * projection read by primary key is as cheap as a cache round trip.
 */
export const investigationsLoaders = defineLoaders({
  investigationById: (ctx: RequestContext) =>
    rowByIdLoader<InvestigationRecord>(ctx, {
      name: 'investigationById',
      type: 'Investigation',
      table: 'investigations',
      columns: INVESTIGATION_COLUMNS,
      toRecord: toInvestigation,
    }),
  entityIdsOfInvestigation: (ctx: RequestContext) =>
    createRelationshipLoader<string, { investigationId: string; entityId: string }>(
      async (ids) =>
        (
          await ctx.db.read<{ investigation_id: string; entity_id: string }>(
            `SELECT investigation_id, entity_id FROM investigation_entities
             WHERE tenant_id = $1 AND investigation_id = ANY($2) ORDER BY investigation_id, added_at, entity_id`,
            [ctx.db.tenantId, ids],
          )
        ).map((r) => ({ investigationId: r.investigation_id, entityId: r.entity_id })),
      {
        name: 'entityIdsOfInvestigation',
        metrics: ctx.services.loaderStats,
        groupBy: (r) => r.investigationId,
      },
    ),
  investigationsOfEntity: (ctx: RequestContext) =>
    createRelationshipLoader<string, InvestigationRecord & { entityId: string }>(
      async (entityIds) =>
        (
          await ctx.db.read(
            `SELECT ie.entity_id, ${INVESTIGATION_COLUMNS.split(', ')
              .map((c) => `i.${c}`)
              .join(', ')}
             FROM investigation_entities ie JOIN investigations i ON i.tenant_id = ie.tenant_id AND i.id = ie.investigation_id
             WHERE ie.tenant_id = $1 AND ie.entity_id = ANY($2) ORDER BY ie.entity_id, i.created_at DESC, i.id DESC`,
            [ctx.db.tenantId, entityIds],
          )
        ).map((r) => ({ ...toInvestigation(r), entityId: r.entity_id as string })),
      {
        name: 'investigationsOfEntity',
        metrics: ctx.services.loaderStats,
        groupBy: (r) => r.entityId,
      },
    ),
});

export type InvestigationsLoaders = typeof investigationsLoaders;
