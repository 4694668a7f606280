import { ShardedEventStore, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { type EntitiesLoaders, entitiesLoaders } from './loaders.js';
import { entitiesMigrations } from './migrations.js';
import { entityResolvers } from './resolvers/entity-resolvers.js';
import { createMutationResolvers } from './resolvers/mutation-resolvers.js';
import { userResolvers } from './resolvers/user-resolvers.js';
import { entitiesTypeDefs } from './schema.js';

/** Schema of the entities event store (with its outbox) on every shard. */
export const ENTITIES_EVENT_SCHEMA = 'entities_events';

/** The entities subgraph: Entity, Relationship, and User extended with what each user created. */
export const entitiesSubgraph: SubgraphDefinition<EntitiesLoaders> = {
  name: 'entities',
  typeDefs: entitiesTypeDefs,
  migrations: entitiesMigrations,
  setup: async (services) => {
    const events = new ShardedEventStore(services.storage, { schema: ENTITIES_EVENT_SCHEMA });
    await events.migrate();
    await events.startRelays(services.transport, services.registry, services.logger);
    return {
      loaders: entitiesLoaders,
      resolvers: {
        Query: entityResolvers.Query,
        Mutation: createMutationResolvers(events).Mutation,
        Entity: entityResolvers.Entity,
        Relationship: entityResolvers.Relationship,
        User: userResolvers.User,
      } as never,
      stop: () => events.stop(),
    };
  },
};
