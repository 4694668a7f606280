import { ShardedEventStore, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { type AccountsLoaders, accountsLoaders } from './loaders.js';
import { accountsMigrations } from './migrations.js';
import { createMutationResolvers } from './resolvers/mutation-resolvers.js';
import { tenantResolvers } from './resolvers/tenant-resolvers.js';
import { userResolvers } from './resolvers/user-resolvers.js';
import { accountsTypeDefs } from './schema.js';

/** Schema of the accounts event store (with its outbox) on every shard. */
export const ACCOUNTS_EVENT_SCHEMA = 'accounts_events';

/** The accounts subgraph: Tenant and User. */
export const accountsSubgraph: SubgraphDefinition<AccountsLoaders> = {
  name: 'accounts',
  typeDefs: accountsTypeDefs,
  migrations: accountsMigrations,
  shardedTables: [
    { table: 'tenants', keyColumn: 'id', primaryKey: ['id'] },
    { table: 'users', keyColumn: 'tenant_id', primaryKey: ['tenant_id', 'id'] },
  ],
  setup: async (services) => {
    const events = await ShardedEventStore.start(services, { schema: ACCOUNTS_EVENT_SCHEMA });
    return {
      loaders: accountsLoaders,
      resolvers: {
        Query: { ...userResolvers.Query, ...tenantResolvers.Query },
        Mutation: createMutationResolvers(events).Mutation,
        User: userResolvers.User,
        Tenant: tenantResolvers.Tenant,
      },
      stop: () => events.stop(),
    };
  },
};
