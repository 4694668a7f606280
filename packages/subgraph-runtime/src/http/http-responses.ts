import type { ServerResponse } from 'node:http';
import type { IntelGraphError } from '@intelgraph/errors';

/** A GraphQL-over-HTTP error body for a request that never reached execution. */
export function sendGraphQLError(res: ServerResponse, error: IntelGraphError, requestId: string): void {
  sendJson(
    res,
    error.httpStatus,
    {
      errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }],
    },
    requestId,
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(requestId ? { 'x-request-id': requestId } : {}),
  });
  res.end(text);
}
