import { subgraphVariables } from '@intelgraph/subgraph-runtime';

/** Every variable the entities subgraph reads, with its default (listed in README.md). */
export const configSpec = {
  ...subgraphVariables(4002),
};
