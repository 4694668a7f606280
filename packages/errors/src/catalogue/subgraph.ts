import type { ErrorSection } from './error-definition.js';

/**
 * Errors raised by the subgraphs (accounts, entities, investigations), their shared runtime
 * (`@intelgraph/subgraph-runtime`) and `@intelgraph/graphql-dataloader`. Codes a GraphQL client
 * sees in `extensions.code`; bad input is always one of these, never a 500.
 */
export const subgraphErrors = {
  NOT_FOUND: {
    httpStatus: 404,
    summary:
      'The requested object does not exist for the caller’s tenant (foreign ids are reported the same way).',
    retryable: false,
  },
  LOADER_BATCH_INVALID: {
    httpStatus: 500,
    summary: 'A DataLoader batch function returned a result the loader cannot match to its keys.',
    retryable: false,
  },
} as const satisfies ErrorSection;
