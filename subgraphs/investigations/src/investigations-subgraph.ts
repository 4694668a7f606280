import { LiveEventHub, ShardedEventStore, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { InvestigationCommands } from './domain/investigation-commands.js';
import { INVESTIGATION_AGGREGATE } from './domain/investigation-events.js';
import { type InvestigationsLoaders, investigationsLoaders } from './loaders.js';
import { investigationsMigrations } from './migrations.js';
import { createInvestigationResolvers } from './resolvers/investigation-resolvers.js';
import { createSubscriptionResolvers } from './resolvers/subscription-resolvers.js';
import { investigationsTypeDefs } from './schema.js';

/** Schema of the investigations event store (with its outbox) on every shard. */
export const INVESTIGATIONS_EVENT_SCHEMA = 'investigations_events';

/** The investigations subgraph: event-sourced investigations and their projection. */
export const investigationsSubgraph: SubgraphDefinition<InvestigationsLoaders> = {
  name: 'investigations',
  typeDefs: investigationsTypeDefs,
  migrations: investigationsMigrations,
  shardedTables: [
    { table: 'investigations', keyColumn: 'tenant_id', primaryKey: ['tenant_id', 'id'] },
    {
      table: 'investigation_entities',
      keyColumn: 'tenant_id',
      primaryKey: ['tenant_id', 'investigation_id', 'entity_id'],
    },
  ],
  setup: async (services) => {
    const events = await ShardedEventStore.start(services, { schema: INVESTIGATIONS_EVENT_SCHEMA });
    // Subscriptions: this instance's own consumer group on the investigations topic wakes the
    // subscribers' tenant feeds, which read the event store.
    const live = new LiveEventHub({
      service: services.service,
      topics: [INVESTIGATION_AGGREGATE],
      events,
      transport: services.transport,
      logger: services.logger,
      registry: services.registry,
    });
    await live.start();
    return {
      loaders: investigationsLoaders,
      resolvers: {
        ...createInvestigationResolvers(new InvestigationCommands(events)),
        ...createSubscriptionResolvers(live),
      },
      stop: async () => {
        await live.stop();
        await events.stop();
      },
    };
  },
};
