import type { StoredEvent } from '@intelgraph/message-queue-enhanced';
import {
  followEvents,
  type LiveEventHub,
  notFound,
  requireOwnId,
  type SubgraphContext,
} from '@intelgraph/subgraph-runtime';
import { ENTITY_COLUMNS, toEntity } from '../entity-row.js';
import type { EntitiesLoaders } from '../loaders.js';

type Ctx = SubgraphContext<EntitiesLoaders>;

const EVENT_TYPES: Readonly<Record<string, string>> = {
  EntityCreated: 'ENTITY_CREATED',
  EntityUpdated: 'ENTITY_UPDATED',
};

/** The entities subscriptions, fed by the live event hub (the event store, woken by the transport). */
export function createSubscriptionResolvers(hub: LiveEventHub) {
  return {
    Subscription: {
      entityChanged: {
        subscribe: (_: unknown, args: { id: string; after?: string | null }, ctx: Ctx) => {
          const id = requireOwnId(ctx.identity, args.id, 'Entity');
          return followEvents(
            hub,
            ctx,
            args,
            (e) =>
              e.aggregateType === 'entity' && e.aggregateId === id && EVENT_TYPES[e.eventType] !== undefined,
          );
        },
        resolve: (event: StoredEvent) => ({
          position: event.cursor,
          eventId: event.id,
          type: EVENT_TYPES[event.eventType],
          at: new Date(event.timestamp).toISOString(),
          entityId: event.aggregateId,
        }),
      },
    },
    EntityChange: {
      // From the primary, past every cache (the event may arrive before the writer's invalidation).
      entity: async (change: { entityId: string }, _: unknown, ctx: Ctx) => {
        const rows = await ctx.db.readPrimary(
          `SELECT ${ENTITY_COLUMNS} FROM entities WHERE tenant_id = $1 AND id = $2`,
          [ctx.db.tenantId, change.entityId],
        );
        if (!rows[0]) throw notFound('Entity', change.entityId);
        return toEntity(rows[0]);
      },
    },
  };
}
