import type { ServerResponse } from 'node:http';
import type { IntelGraphError } from '@intelgraph/errors';

/** The GraphQL-over-HTTP body of a refused request. */
export function errorBody(error: IntelGraphError): string {
  const { http: _http, ...extensions } = error.toGraphQLExtensions();
  return JSON.stringify({ errors: [{ message: error.message, extensions }] });
}

/** Answers a refused request: the error's HTTP status and a body with `extensions.code`. */
export function sendError(
  res: ServerResponse,
  error: IntelGraphError,
  headers?: ReadonlyMap<string, string>,
): void {
  const body = errorBody(error);
  if (headers) for (const [k, v] of headers) res.setHeader(k, v);
  if (error.code === 'METHOD_NOT_ALLOWED') res.setHeader('allow', 'GET, POST');
  res.writeHead(error.httpStatus, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
