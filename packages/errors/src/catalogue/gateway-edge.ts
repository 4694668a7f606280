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
    summary:
      'A subscription sent without a streaming Accept (text/event-stream, multipart/mixed;subscriptionSpec="1.0") and not over WebSocket, or to a gateway without subscriptions.',
    retryable: false,
  },
  SUBSCRIPTION_LIMIT_EXCEEDED: {
    httpStatus: 429,
    summary:
      'A new subscription would exceed the per-connection (SUBSCRIPTION_MAX_PER_CONNECTION) or per-tenant (SUBSCRIPTION_MAX_PER_TENANT) limit of this gateway instance.',
    retryable: true,
  },
  SUBSCRIPTION_UPSTREAM_CLOSED: {
    httpStatus: 502,
    summary:
      'The subgraph serving the subscription ended it (restarted, drained, unreachable, or refused it); resubscribe with the last position.',
    retryable: true,
  },
  TOKEN_EXPIRED: {
    httpStatus: 401,
    summary:
      'The token a subscription was opened with expired; the subscription ended (WebSocket close 4401). Subscribe again with a fresh token and the last position.',
    retryable: true,
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
