import type { SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { type AccountsLoaders, accountsLoaders } from './loaders.js';
import { accountsMigrations } from './migrations.js';
import { mutationResolvers } from './resolvers/mutation-resolvers.js';
import { tenantResolvers } from './resolvers/tenant-resolvers.js';
import { userResolvers } from './resolvers/user-resolvers.js';
import { accountsTypeDefs } from './schema.js';

/** The accounts subgraph: Tenant and User. */
export const accountsSubgraph: SubgraphDefinition<AccountsLoaders> = {
  name: 'accounts',
  typeDefs: accountsTypeDefs,
  migrations: accountsMigrations,
  setup: () => ({
    loaders: accountsLoaders,
    resolvers: {
      Query: { ...userResolvers.Query, ...tenantResolvers.Query },
      Mutation: mutationResolvers.Mutation,
      User: userResolvers.User,
      Tenant: tenantResolvers.Tenant,
    },
  }),
};
