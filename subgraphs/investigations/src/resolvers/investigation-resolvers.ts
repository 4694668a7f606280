import {
  isOwnId,
  loadOwnById,
  newestFirstPage,
  notFound,
  ownReferenceResolver,
  type PageArgs,
  requireOwnId,
  requireScope,
  requireText,
  type SubgraphContext,
} from '@intelgraph/subgraph-runtime';
import type { InvestigationCommands } from '../domain/investigation-commands.js';
import { INVESTIGATION_COLUMNS, type InvestigationRecord, toInvestigation } from '../investigation-row.js';
import type { InvestigationsLoaders } from '../loaders.js';

type Ctx = SubgraphContext<InvestigationsLoaders>;

const STATUSES = new Set(['OPEN', 'CLOSED']);

function investigationsPage(ctx: Ctx, args: PageArgs & { status?: string | null }) {
  return newestFirstPage(ctx, args, {
    table: 'investigations',
    columns: INVESTIGATION_COLUMNS,
    toRecord: toInvestigation,
    filter: { argument: 'status', column: 'status', value: args.status, allowed: STATUSES },
    prime: ctx.loaders.investigationById,
  });
}

/** The investigation as the read model has it after a command (read from the primary). */
async function reread(ctx: Ctx, id: string): Promise<InvestigationRecord> {
  const rows = await ctx.db.readPrimary(
    `SELECT ${INVESTIGATION_COLUMNS} FROM investigations WHERE tenant_id = $1 AND id = $2`,
    [ctx.db.tenantId, id],
  );
  if (!rows[0]) throw notFound('Investigation', id);
  return toInvestigation(rows[0]);
}

export function createInvestigationResolvers(commands: InvestigationCommands) {
  return {
    Query: {
      investigation: (_: unknown, args: { id: string }, ctx: Ctx) =>
        loadOwnById(ctx.identity, ctx.loaders.investigationById, 'Investigation', args.id),
      investigations: (_: unknown, args: PageArgs & { status?: string | null }, ctx: Ctx) =>
        investigationsPage(ctx, args),
    },
    Mutation: {
      createInvestigation: async (
        _: unknown,
        args: { input: { title: unknown; description?: unknown } },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'write');
        const title = requireText(args.input.title, 'input.title');
        const description =
          args.input.description == null
            ? ''
            : requireText(args.input.description, 'input.description', { min: 0, max: 5000 });
        return reread(ctx, await commands.create(ctx, title, description));
      },
      addEntity: async (_: unknown, args: { investigationId: string; entityId: string }, ctx: Ctx) => {
        requireScope(ctx.identity, 'write');
        const id = requireOwnId(ctx.identity, args.investigationId, 'Investigation', 'investigationId');
        const entityId = requireOwnId(ctx.identity, args.entityId, 'Entity', 'entityId');
        await commands.addEntity(ctx, id, entityId);
        return reread(ctx, id);
      },
      closeInvestigation: async (
        _: unknown,
        args: { id: string; expectedVersion?: number | null },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'write');
        const id = requireOwnId(ctx.identity, args.id, 'Investigation');
        await commands.close(ctx, id, args.expectedVersion ?? undefined);
        return reread(ctx, id);
      },
    },
    Investigation: {
      // Batched: every Investigation representation of a gateway _entities call → one statement per shard.
      __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.investigationById),
      createdBy: (inv: InvestigationRecord) => ({ __typename: 'User', id: inv.createdBy }),
      // The cross-subgraph list: references only; the gateway resolves them all in one call to entities.
      entities: async (inv: InvestigationRecord, _: unknown, ctx: Ctx) =>
        (await ctx.loaders.entityIdsOfInvestigation.load(inv.id)).map((r) => ({
          __typename: 'Entity',
          id: r.entityId,
        })),
    },
    Entity: {
      __resolveReference: (ref: { id: string }) => ref,
      investigations: (entity: { id: string }, _: unknown, ctx: Ctx) =>
        isOwnId(ctx.identity, entity.id) ? ctx.loaders.investigationsOfEntity.load(entity.id) : [],
    },
  };
}
