import { ShardedEventStore, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { InvestigationCommands } from './domain/investigation-commands.js';
import { type InvestigationsLoaders, investigationsLoaders } from './loaders.js';
import { investigationsMigrations } from './migrations.js';
import { createInvestigationResolvers } from './resolvers/investigation-resolvers.js';
import { investigationsTypeDefs } from './schema.js';

/** Schema of the investigations event store (with its outbox) on every shard. */
export const INVESTIGATIONS_EVENT_SCHEMA = 'investigations_events';

/** The investigations subgraph: event-sourced investigations and their projection. */
export const investigationsSubgraph: SubgraphDefinition<InvestigationsLoaders> = {
  name: 'investigations',
  typeDefs: investigationsTypeDefs,
  migrations: investigationsMigrations,
  setup: async (services) => {
    const events = new ShardedEventStore(services.storage, { schema: INVESTIGATIONS_EVENT_SCHEMA });
    await events.migrate();
    await events.startRelays(services.transport, services.registry, services.logger);
    return {
      loaders: investigationsLoaders,
      resolvers: createInvestigationResolvers(new InvestigationCommands(events)),
      stop: () => events.stop(),
    };
  },
};
