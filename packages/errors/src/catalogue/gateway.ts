import type { ErrorSection } from './error-definition.js';

/** Errors of the gateway (gateway/): request parsing, limits, auth, persisted queries, subgraph traffic. */
export const gatewayErrors = {
  BAD_REQUEST_BODY: {
    httpStatus: 400,
    summary:
      'The request body or query string is not a GraphQL request: malformed JSON, not an object, or a field of the wrong type.',
    retryable: false,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    summary: 'A POST whose Content-Type is not application/json.',
    retryable: false,
  },
  METHOD_NOT_ALLOWED: {
    httpStatus: 405,
    summary: 'An HTTP method other than GET or POST, or a mutation sent over GET.',
    retryable: false,
  },
  BODY_TOO_LARGE: {
    httpStatus: 413,
    summary: 'The request body is larger than MAX_BODY_BYTES.',
    retryable: false,
  },
  BATCH_NOT_SUPPORTED: {
    httpStatus: 400,
    summary: 'The body is a JSON array (a batch); send one operation per request.',
    retryable: false,
  },
  QUERY_MISSING: {
    httpStatus: 400,
    summary: 'The request has neither a query nor a persisted-query hash.',
    retryable: false,
  },
  QUERY_PARSE_FAILED: {
    httpStatus: 400,
    summary: 'The query is not valid GraphQL syntax.',
    retryable: false,
  },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: 400,
    summary:
      'The operation does not validate against the API schema (an unknown field, a wrong argument, …).',
    retryable: false,
  },
  QUERY_TOO_MANY_TOKENS: {
    httpStatus: 400,
    summary: 'The query has more lexical tokens than MAX_TOKENS.',
    retryable: false,
  },
  QUERY_TOO_DEEP: {
    httpStatus: 400,
    summary: 'The query nests selections deeper than MAX_DEPTH.',
    retryable: false,
  },
  QUERY_TOO_MANY_ALIASES: {
    httpStatus: 400,
    summary: 'The query uses more aliases than MAX_ALIASES.',
    retryable: false,
  },
  QUERY_TOO_MANY_ROOT_FIELDS: {
    httpStatus: 400,
    summary: 'The operation selects more root fields than MAX_ROOT_FIELDS.',
    retryable: false,
  },
  QUERY_TOO_MANY_DIRECTIVES: {
    httpStatus: 400,
    summary: 'The query uses more directives than MAX_DIRECTIVES.',
    retryable: false,
  },
  QUERY_TOO_COSTLY: {
    httpStatus: 400,
    summary: 'The estimated cost (cost spec weights, @cost/@listSize, times list sizes) exceeds MAX_COST.',
    retryable: false,
  },
  QUERY_SLICING_ARGUMENT_REQUIRED: {
    httpStatus: 400,
    summary:
      'A list field declared @listSize(requireOneSlicingArgument: true) is queried with none or several of its slicing arguments.',
    retryable: false,
  },
  FRAGMENT_CYCLE: {
    httpStatus: 400,
    summary: 'A fragment spreads itself, directly or through other fragments.',
    retryable: false,
  },
  PERSISTED_QUERY_NOT_FOUND: {
    httpStatus: 400,
    summary: 'An automatic persisted query hash the gateway does not know; resend it with the query.',
    retryable: false,
  },
  PERSISTED_QUERY_HASH_MISMATCH: {
    httpStatus: 400,
    summary: "The sha256Hash sent with a query is not the query's SHA-256.",
    retryable: false,
  },
  PERSISTED_QUERY_NOT_ALLOWED: {
    httpStatus: 400,
    summary: 'Safelist mode: the operation is not in the persisted-operation manifest.',
    retryable: false,
  },
  UNAUTHENTICATED: {
    httpStatus: 401,
    summary:
      'Authentication is required (no token, or a field or type marked @authenticated or @requiresScopes) and none was given.',
    retryable: false,
  },
  INVALID_TOKEN: {
    httpStatus: 401,
    summary:
      'The bearer token is malformed, expired, badly signed, unsigned, or for another issuer or audience.',
    retryable: false,
  },
  FORBIDDEN: {
    httpStatus: 403,
    summary: 'The token lacks the scopes a field or type requires (@requiresScopes).',
    retryable: false,
  },
  RATE_LIMITED: {
    httpStatus: 429,
    summary: 'The tenant or client sent more requests than its rate allows; retry after Retry-After seconds.',
    retryable: true,
  },
  SUBGRAPH_UNAVAILABLE: {
    httpStatus: 503,
    summary: "The subgraph's circuit breaker is open after repeated failures: its fields fail fast.",
    retryable: true,
  },
  SUBGRAPH_TIMEOUT: {
    httpStatus: 504,
    summary: 'A subgraph did not answer within its timeout.',
    retryable: true,
  },
  GATEWAY_TIMEOUT: {
    httpStatus: 504,
    summary:
      'The request used up its overall deadline (REQUEST_TIMEOUT_MS); the fetches still pending were abandoned.',
    retryable: true,
  },
  SUBGRAPH_REQUEST_FAILED: {
    httpStatus: 502,
    summary: 'A subgraph could not be reached or answered with a non-GraphQL response.',
    retryable: true,
  },
  SUPERGRAPH_INVALID: {
    httpStatus: 500,
    summary: 'A supergraph (file or composition) failed to load; the last good one stays in force.',
    retryable: false,
  },
  SUPERGRAPH_NOT_LOADED: {
    httpStatus: 503,
    summary: 'The gateway has no supergraph yet.',
    retryable: true,
  },
  ROUTE_NOT_FOUND: {
    httpStatus: 404,
    summary: 'No such path on the gateway.',
    retryable: false,
  },
} as const satisfies ErrorSection;
