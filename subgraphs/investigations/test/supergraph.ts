import { composeServices } from '@apollo/composition';
import { accountsTypeDefs } from '@intelgraph/accounts-subgraph';
import { entitiesTypeDefs } from '@intelgraph/entities-subgraph';
import { investigationsTypeDefs } from '../src/index.js';

/** Composes the three sample subgraphs (at `urls`, or placeholder URLs) into a supergraph. */
export function composeSampleSupergraph(
  urls: { accounts: string; entities: string; investigations: string } = {
    accounts: 'http://accounts.invalid/graphql',
    entities: 'http://entities.invalid/graphql',
    investigations: 'http://investigations.invalid/graphql',
  },
) {
  return composeServices([
    { name: 'accounts', typeDefs: accountsTypeDefs, url: urls.accounts },
    { name: 'entities', typeDefs: entitiesTypeDefs, url: urls.entities },
    { name: 'investigations', typeDefs: investigationsTypeDefs, url: urls.investigations },
  ]);
}
