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
    return {
      loaders: investigationsLoaders,
      resolvers: createInvestigationResolvers(new InvestigationCommands(events)),
      stop: () => events.stop(),
    };
  },
};
