import { subgraphVariables } from '@intelgraph/subgraph-runtime';

/** Every variable the __name__ subgraph reads, with its default (listed in README.md). */
export const configSpec = {
  ...subgraphVariables(__port__),
};
