import type { ServerResponse } from 'node:http';
import type { IntelGraphError } from '@intelgraph/errors';
import { type GraphQLMediaType, responseMediaType } from './media-type.js';
import { bearerChallenge } from './www-authenticate.js';

/**
 * The GraphQL-over-HTTP body of a refused request. A syntax error's `locations` go where the
 * GraphQL spec puts them, on the error itself (GraphiQL and IDEs underline the spot from there),
 * not among the extensions.
 */
export function errorBody(error: IntelGraphError): string {
  const { http: _http, locations, ...extensions } = error.toGraphQLExtensions();
  const located = Array.isArray(locations) ? { locations } : {};
  return JSON.stringify({ errors: [{ message: error.message, ...located, extensions }] });
}

/**
 * Errors in the document itself (a GraphQL request error): with `application/json` the request
 * was still a well-formed GraphQL-over-HTTP request and is answered 200, with
 * `application/graphql-response+json` 400 (GraphQL over HTTP, "application/json" and
 * "application/graphql-response+json" responses). Every other refusal keeps its own status.
 */
const DOCUMENT_ERRORS: ReadonlySet<string> = new Set(['QUERY_PARSE_FAILED']);

export function refusalStatus(error: IntelGraphError, mediaType: GraphQLMediaType): number {
  return DOCUMENT_ERRORS.has(error.code) && mediaType === 'application/json' ? 200 : error.httpStatus;
}

/**
 * Answers a refused request: the error's HTTP status and a body with `extensions.code`, as
 * `application/graphql-response+json` when the request's `Accept` prefers it. A 401 carries the
 * `WWW-Authenticate: Bearer` challenge, a 405 `Allow`. Returns the status sent.
 */
export function sendError(
  res: ServerResponse,
  error: IntelGraphError,
  headers?: ReadonlyMap<string, string>,
  accept?: string,
): number {
  const body = errorBody(error);
  const mediaType = responseMediaType(accept);
  const status = refusalStatus(error, mediaType);
  if (headers) for (const [k, v] of headers) res.setHeader(k, v);
  if (error.code === 'METHOD_NOT_ALLOWED') res.setHeader('allow', 'GET, POST');
  if (status === 401 && !res.hasHeader('www-authenticate')) {
    const reason = typeof error.details.reason === 'string' ? error.details.reason : undefined;
    res.setHeader('www-authenticate', bearerChallenge(error.code, reason && `Invalid token: ${reason}`));
  }
  res.writeHead(status, {
    'content-type': `${mediaType}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
  return status;
}
