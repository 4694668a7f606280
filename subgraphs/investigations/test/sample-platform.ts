import {
  ApolloGateway,
  type GraphQLDataSourceProcessOptions,
  RemoteGraphQLDataSource,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { accountsSubgraph, seedAccounts } from '@intelgraph/accounts-subgraph';
import type { QueryEvent } from '@intelgraph/database-sharding';
import { entitiesSubgraph, seedEntities } from '@intelgraph/entities-subgraph';
import { IDENTITY_HEADER, type Identity } from '@intelgraph/identity';
import {
  type RunningSubgraph,
  type SeedPlan,
  type SubgraphRuntimeConfig,
  startSubgraph,
} from '@intelgraph/subgraph-runtime';
import { signIdentity } from '@intelgraph/subgraph-runtime/testing';
import { investigationsSubgraph, seedInvestigations } from '../src/index.js';
import { composeSampleSupergraph } from './supergraph.js';

export interface GatewayContext {
  readonly identity: Identity;
}

/** The three subgraphs behind a plain `@apollo/gateway` with a supergraph composed here. */
export interface SamplePlatform {
  readonly subgraphs: {
    accounts: RunningSubgraph;
    entities: RunningSubgraph;
    investigations: RunningSubgraph;
  };
  readonly gateway: ApolloServer<GatewayContext>;
  /** Every SQL statement any subgraph ran, with the subgraph's name. */
  readonly statements: Array<QueryEvent & { service: string }>;
  seed(plan: SeedPlan): Promise<void>;
  query<D = Record<string, unknown>>(
    query: string,
    identity: Identity,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: D; errors?: unknown[] }>;
  stop(): Promise<void>;
}

export async function startSamplePlatform(config: SubgraphRuntimeConfig): Promise<SamplePlatform> {
  const [accounts, entities, investigations] = [
    await startSubgraph(accountsSubgraph, config),
    await startSubgraph(entitiesSubgraph, config),
    await startSubgraph(investigationsSubgraph, config),
  ];
  const subgraphs = { accounts, entities, investigations };
  const statements: Array<QueryEvent & { service: string }> = [];
  for (const [service, running] of Object.entries(subgraphs)) {
    running.services.storage.distributor.onQuery((e) => statements.push({ ...e, service }));
  }
  const composed = composeSampleSupergraph({
    accounts: accounts.url,
    entities: entities.url,
    investigations: investigations.url,
  });
  if (!composed.supergraphSdl)
    throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  const gateway = new ApolloServer<GatewayContext>({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) =>
        new (class extends RemoteGraphQLDataSource<GatewayContext> {
          override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
            request.http?.headers.set(IDENTITY_HEADER, signIdentity(context.identity));
          }
        })({ url }),
    }),
  });
  await gateway.start();
  return {
    subgraphs,
    gateway,
    statements,
    async seed(plan) {
      await seedAccounts(accounts.services.storage, plan);
      await seedEntities(entities.services.storage, plan);
      await seedInvestigations(investigations.services.storage, plan);
    },
    async query(query, identity, variables = {}) {
      const response = await gateway.executeOperation({ query, variables }, { contextValue: { identity } });
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not expected here');
      return response.body.singleResult as never;
    },
    async stop() {
      await gateway.stop();
      for (const running of [investigations, entities, accounts]) await running.stop();
    },
  };
}
