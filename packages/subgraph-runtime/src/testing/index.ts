export {
  type GraphQLResponse,
  graphqlRequest,
  signIdentity,
  TEST_IDENTITY_SECRET,
} from './graphql-client.js';
export { createRealShards, type RealShards } from './real-shards.js';
export {
  type SubscriptionClient,
  type SubscriptionProbe,
  subgraphWsClient,
  subscriptionProbe,
  wsUrl,
} from './subscription-probe.js';
export { testRuntimeConfig } from './test-config.js';
export {
  TEST_BACKENDS,
  type TestBackend,
  type TestIdentity,
  TestSubgraph,
  type TestSubgraphOptions,
} from './test-subgraph.js';
