import type { ErrorSection } from './error-definition.js';

/**
 * Errors raised by the subgraphs (accounts, entities, investigations), their shared runtime
 * (`@intelgraph/subgraph-runtime`) and `@intelgraph/graphql-dataloader`. Codes a GraphQL client
 * sees in `extensions.code`; bad input is always one of these, never a 500.
 */
export const subgraphErrors = {
  BAD_USER_INPUT: {
    httpStatus: 400,
    summary:
      'An argument is malformed or out of bounds: an id, a cursor, a page size over the maximum, invalid mutation input.',
    retryable: false,
  },
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
  SCOPE_REQUIRED: {
    httpStatus: 403,
    summary: 'The verified identity lacks the scope a mutation needs (details.scope names it).',
    retryable: false,
  },
  INVESTIGATION_CLOSED: {
    httpStatus: 409,
    summary: 'A change was attempted on an investigation that is already closed.',
    retryable: false,
  },
  SERVICE_NOT_READY: {
    httpStatus: 503,
    summary: 'The subgraph is starting or shutting down and does not take requests now.',
    retryable: true,
  },
  SUBSCRIPTION_SLOW_CONSUMER: {
    httpStatus: 429,
    summary:
      'A subscriber fell further behind than its bounded buffer allows; the subscription ended. Resubscribe with the last position.',
    retryable: true,
  },
} as const satisfies ErrorSection;
