import { LiveEventHub, ShardedEventStore, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { createEntitiesLoaders, type EntitiesLoaders } from './loaders.js';
import { entitiesMigrations } from './migrations.js';
import { entityResolvers } from './resolvers/entity-resolvers.js';
import { createMutationResolvers } from './resolvers/mutation-resolvers.js';
import { createSubscriptionResolvers } from './resolvers/subscription-resolvers.js';
import { userResolvers } from './resolvers/user-resolvers.js';
import { entitiesTypeDefs } from './schema.js';

/** Schema of the entities event store (with its outbox) on every shard. */
export const ENTITIES_EVENT_SCHEMA = 'entities_events';

/**
 * The entities subgraph: Entity, Relationship, and User extended with what each user created.
 * `batch: false` turns DataLoader batching off (one statement per key): the naive baseline the
 * benchmark compares against, never a production setting.
 */
export function createEntitiesSubgraph(
  options: { batch?: boolean } = {},
): SubgraphDefinition<EntitiesLoaders> {
  return {
    name: 'entities',
    typeDefs: entitiesTypeDefs,
    migrations: entitiesMigrations,
    shardedTables: [
      { table: 'entities', keyColumn: 'tenant_id', primaryKey: ['tenant_id', 'id'] },
      { table: 'relationships', keyColumn: 'tenant_id', primaryKey: ['tenant_id', 'id'] },
    ],
    setup: async (services) => {
      const events = await ShardedEventStore.start(services, { schema: ENTITIES_EVENT_SCHEMA });
      const live = new LiveEventHub({
        service: services.service,
        topics: ['entity'],
        events,
        transport: services.transport,
        logger: services.logger,
        registry: services.registry,
      });
      await live.start();
      const subscriptions = createSubscriptionResolvers(live);
      return {
        loaders: createEntitiesLoaders(options),
        resolvers: {
          Query: entityResolvers.Query,
          Mutation: createMutationResolvers(events).Mutation,
          Entity: entityResolvers.Entity,
          Relationship: entityResolvers.Relationship,
          User: userResolvers.User,
          ...subscriptions,
        },
        stop: async () => {
          await live.stop();
          await events.stop();
        },
      };
    },
  };
}

export const entitiesSubgraph = createEntitiesSubgraph();
