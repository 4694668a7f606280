import type { ErrorSection } from './error-definition.js';

/**
 * Errors of the gateway's HTTP edge (gateway/): which operation to run, introspection, the drain,
 * the token issuer's availability, and subgraph errors masked before they reach a client.
 */
export const gatewayEdgeErrors = {
  OPERATION_NAME_REQUIRED: {
    httpStatus: 400,
    summary: 'The document defines several operations and the request names none (operationName).',
    retryable: false,
  },
  OPERATION_NOT_FOUND: {
    httpStatus: 400,
    summary: 'The request’s operationName names no operation of the document.',
    retryable: false,
  },
  SUBSCRIPTION_NOT_SUPPORTED: {
    httpStatus: 400,
    summary: 'A subscription sent as a plain GET or POST request; the gateway serves queries and mutations.',
    retryable: false,
  },
  INTROSPECTION_DISABLED: {
    httpStatus: 400,
    summary: 'The operation selects __schema or __type and introspection is switched off (INTROSPECTION).',
    retryable: false,
  },
  INTROSPECTION_TOO_DEEP: {
    httpStatus: 400,
    summary:
      'An introspection query nests the recursive introspection lists (fields, inputFields, interfaces, possibleTypes) deeper than INTROSPECTION_MAX_DEPTH.',
    retryable: false,
  },
  SHUTTING_DOWN: {
    httpStatus: 503,
    summary: 'The request arrived while this gateway instance drains before stopping; retry on another.',
    retryable: true,
  },
  AUTH_UNAVAILABLE: {
    httpStatus: 503,
    summary:
      'The token issuer’s key set (JWKS) cannot be fetched and no key set fetched within JWKS_MAX_STALE_S is at hand, so the token cannot be checked.',
    retryable: true,
  },
  SUBGRAPH_ERROR: {
    httpStatus: 502,
    summary:
      'A subgraph error that was not marked client-safe, masked in production: its message, stack and `exception` are logged under the request id, never sent.',
    retryable: false,
  },
} as const satisfies ErrorSection;
