import type { StoredEvent } from '@intelgraph/message-queue-enhanced';
import {
  followEvents,
  type LiveEventHub,
  notFound,
  requireOwnId,
  type SubgraphContext,
} from '@intelgraph/subgraph-runtime';
import { INVESTIGATION_AGGREGATE } from '../domain/investigation-events.js';
import { INVESTIGATION_COLUMNS, toInvestigation } from '../investigation-row.js';
import type { InvestigationsLoaders } from '../loaders.js';

type Ctx = SubgraphContext<InvestigationsLoaders>;

/** Event type in the store → the schema's `InvestigationEventType`. */
const EVENT_TYPES: Readonly<Record<string, string>> = {
  InvestigationCreated: 'INVESTIGATION_CREATED',
  EntityAdded: 'ENTITY_ADDED',
  InvestigationClosed: 'INVESTIGATION_CLOSED',
};

const isInvestigationEvent = (event: StoredEvent): boolean =>
  event.aggregateType === INVESTIGATION_AGGREGATE && EVENT_TYPES[event.eventType] !== undefined;

/** The `InvestigationUpdate` of one stored event (the `investigation` field loads its state). */
function toUpdate(event: StoredEvent) {
  const data = event.data as { entityId?: string };
  return {
    position: event.cursor,
    eventId: event.id,
    type: EVENT_TYPES[event.eventType],
    at: new Date(event.timestamp).toISOString(),
    investigationId: event.aggregateId,
    entity: data.entityId ? { __typename: 'Entity', id: data.entityId } : null,
  };
}

/**
 * The investigations subscriptions, fed by the live event hub (the event store, woken by the
 * transport): never by polling the projection tables.
 */
export function createSubscriptionResolvers(hub: LiveEventHub) {
  return {
    Subscription: {
      investigationUpdated: {
        subscribe: (_: unknown, args: { id: string; after?: string | null }, ctx: Ctx) => {
          const id = requireOwnId(ctx.identity, args.id, 'Investigation');
          return followEvents(hub, ctx, args, (e) => isInvestigationEvent(e) && e.aggregateId === id);
        },
        resolve: toUpdate,
      },
      investigationEvents: {
        subscribe: (_: unknown, args: { types?: string[] | null; after?: string | null }, ctx: Ctx) => {
          const types = args.types && args.types.length > 0 ? new Set(args.types) : undefined;
          return followEvents(
            hub,
            ctx,
            args,
            (e) => isInvestigationEvent(e) && (!types || types.has(EVENT_TYPES[e.eventType]!)),
          );
        },
        resolve: toUpdate,
      },
    },
    InvestigationUpdate: {
      // From the primary, past every cache: the event arrives right after its commit, possibly
      // before the writer's cache invalidation ran; a cached row could predate the event.
      investigation: async (update: { investigationId: string }, _: unknown, ctx: Ctx) => {
        const rows = await ctx.db.readPrimary(
          `SELECT ${INVESTIGATION_COLUMNS} FROM investigations WHERE tenant_id = $1 AND id = $2`,
          [ctx.db.tenantId, update.investigationId],
        );
        if (!rows[0]) throw notFound('Investigation', update.investigationId);
        return toInvestigation(rows[0]);
      },
    },
  };
}
