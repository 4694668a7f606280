import type { ServerResponse } from 'node:http';
import type { IntelGraphError } from '@intelgraph/errors';
import { responseMediaType } from './media-type.js';

/** The GraphQL-over-HTTP body of a refused request. */
export function errorBody(error: IntelGraphError): string {
  const { http: _http, ...extensions } = error.toGraphQLExtensions();
  return JSON.stringify({ errors: [{ message: error.message, extensions }] });
}

/**
 * Answers a refused request: the error's HTTP status and a body with `extensions.code`, as
 * `application/graphql-response+json` when the request's `Accept` prefers it.
 */
export function sendError(
  res: ServerResponse,
  error: IntelGraphError,
  headers?: ReadonlyMap<string, string>,
  accept?: string,
): void {
  const body = errorBody(error);
  if (headers) for (const [k, v] of headers) res.setHeader(k, v);
  if (error.code === 'METHOD_NOT_ALLOWED') res.setHeader('allow', 'GET, POST');
  res.writeHead(error.httpStatus, {
    'content-type': `${responseMediaType(accept)}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
