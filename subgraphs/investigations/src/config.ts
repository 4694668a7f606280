import { subgraphVariables } from '@intelgraph/subgraph-runtime';

/** Every variable the investigations subgraph reads, with its default (listed in README.md). */
export const configSpec = {
  ...subgraphVariables(4003),
};
