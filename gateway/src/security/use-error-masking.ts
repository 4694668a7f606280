import type { ApolloServerPlugin } from '@apollo/server';
import { errorCatalogue, IntelGraphError, isErrorCode } from '@intelgraph/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayPlugin, RequestState } from '../plugin.js';

export interface ErrorMaskingOptions {
  /** Mask errors not marked client-safe (production). Off: errors pass as subgraphs sent them. */
  readonly enabled: boolean;
  /** Extra `extensions.code` values whose messages are meant for clients (CLIENT_SAFE_ERROR_CODES). */
  readonly clientSafeCodes?: readonly string[];
}

/** Codes graphql-js and Apollo servers give errors in what the client sent, not in the server. */
const GRAPHQL_CLIENT_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

/** Extensions that carry a server's internals; never sent when masking. */
const INTERNAL_EXTENSIONS = ['exception', 'stacktrace'] as const;

/**
 * Whether a subgraph's error code marks its message as meant for the client: a code of the
 * platform's catalogue whose status is a 4xx (NOT_FOUND, BAD_USER_INPUT, FORBIDDEN …: the
 * subgraph refused what the client asked, in words written for it), one of GraphQL's client
 * codes, or one the operator lists. A 5xx code, INTERNAL_SERVER_ERROR and no code at all are not:
 * their messages describe the server.
 */
export function isClientSafeCode(code: unknown, extra: ReadonlySet<string> = new Set()): boolean {
  if (typeof code !== 'string') return false;
  if (extra.has(code)) return true;
  if (isErrorCode(code)) return errorCatalogue[code].httpStatus < 500;
  return GRAPHQL_CLIENT_CODES.has(code);
}

/** The gateway raised this error itself (an IntelGraphError somewhere in its cause chain): its message is ours. */
function raisedByGateway(error: unknown): boolean {
  let current = error;
  for (let i = 0; i < 5 && current !== null && typeof current === 'object'; i++) {
    if (current instanceof IntelGraphError) return true;
    current = (current as { originalError?: unknown }).originalError;
  }
  return false;
}

function withoutInternals(error: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = error.extensions;
  if (!extensions || !INTERNAL_EXTENSIONS.some((k) => k in extensions)) return error;
  const kept = { ...extensions };
  for (const k of INTERNAL_EXTENSIONS) delete kept[k];
  return { ...error, extensions: kept };
}

/**
 * Error masking: in production no subgraph internals reach a client. Each error of a response is
 * judged once it is formatted, paired with the error it came from:
 *  - raised by the gateway (timeouts, breaker, limits, authorization): kept, its message is ours;
 *  - from a subgraph (`extensions.serviceName`) with a client-safe code (`isClientSafeCode`):
 *    kept, without `exception` or `stacktrace`;
 *  - from a subgraph otherwise: replaced by `SUBGRAPH_ERROR` naming the subgraph and the request
 *    id, at the same path; the original (message, extensions, stack) is logged under that id;
 *  - an unexpected error of the gateway itself (`INTERNAL_SERVER_ERROR` or no code): replaced by
 *    `INTERNAL_ERROR` with the request id, the original logged.
 * Off (development), errors pass as the subgraphs sent them.
 */
export function useErrorMasking(options: ErrorMaskingOptions): GatewayPlugin {
  const extra = new Set(options.clientSafeCodes ?? []);

  const judge = (
    formatted: GraphQLFormattedError,
    original: unknown,
    state: RequestState,
  ): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const serviceName = formatted.extensions?.serviceName;
    if (raisedByGateway(original)) return withoutInternals(formatted);
    if (typeof serviceName !== 'string') {
      if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return withoutInternals(formatted);
      state.log.error(
        { requestId: state.requestId, path: formatted.path, err: original, error: formatted },
        'gateway error masked',
      );
      return {
        message: `Internal error (request id ${state.requestId})`,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: 'INTERNAL_ERROR', requestId: state.requestId },
      };
    }
    if (isClientSafeCode(code, extra)) return withoutInternals(formatted);
    state.log.warn(
      {
        requestId: state.requestId,
        subgraph: serviceName,
        path: formatted.path,
        error: { message: formatted.message, extensions: formatted.extensions },
      },
      'subgraph error masked',
    );
    return {
      message: `Subgraph "${serviceName}" failed (request id ${state.requestId})`,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'SUBGRAPH_ERROR', serviceName, requestId: state.requestId },
    };
  };

  const apollo: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: state, response, errors }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!result.errors?.length) return;
          // Apollo formats `errors` one to one into the body's errors.
          const originals = errors?.length === result.errors.length ? errors : undefined;
          result.errors = result.errors.map((e, i) => judge(e, originals?.[i], state));
        },
      };
    },
  };
  return { name: 'error-masking', ...(options.enabled ? { apolloPlugins: [apollo] } : {}) };
}
