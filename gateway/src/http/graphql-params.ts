import type { IncomingMessage } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';
import type { GraphQLParams } from '../plugin.js';
import { readBody } from './read-body.js';

function bad(reason: string, input?: unknown): IntelGraphError {
  return new IntelGraphError('BAD_REQUEST_BODY', `Bad GraphQL request: ${reason}`, {
    input,
    details: { reason },
  });
}

function jsonField(raw: string | null, field: string): Record<string, unknown> | undefined {
  if (raw === null || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad(`${field} is not valid JSON`, raw.slice(0, 200));
  }
  return value as Record<string, unknown>;
}

/** Checks the shape GraphQL-over-HTTP requires; anything else is a 400 naming the field. */
export function validateParams(value: unknown): GraphQLParams {
  if (Array.isArray(value)) {
    throw new IntelGraphError('BATCH_NOT_SUPPORTED', 'Batched requests are not supported');
  }
  if (typeof value !== 'object' || value === null) throw bad('the body is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.query !== undefined && v.query !== null && typeof v.query !== 'string')
    throw bad('query must be a string');
  if (v.operationName !== undefined && v.operationName !== null && typeof v.operationName !== 'string') {
    throw bad('operationName must be a string');
  }
  for (const field of ['variables', 'extensions'] as const) {
    const f = v[field];
    if (f !== undefined && f !== null && (typeof f !== 'object' || Array.isArray(f))) {
      throw bad(`${field} must be an object`);
    }
  }
  return {
    query: (v.query as string | null) ?? undefined,
    operationName: (v.operationName as string | null) ?? undefined,
    variables: (v.variables as Record<string, unknown> | null) ?? undefined,
    extensions: (v.extensions as Record<string, unknown> | null) ?? undefined,
  };
}

/**
 * The GraphQL params of a request: the JSON body of a POST (Content-Type application/json), or
 * the query string of a GET (`variables` and `extensions` JSON-encoded).
 */
export async function readGraphQLParams(
  req: IncomingMessage,
  url: URL,
  maxBodyBytes: number,
): Promise<GraphQLParams> {
  if (req.method === 'GET') {
    const s = url.searchParams;
    return validateParams({
      query: s.get('query') ?? undefined,
      operationName: s.get('operationName') ?? undefined,
      variables: jsonField(s.get('variables'), 'variables'),
      extensions: jsonField(s.get('extensions'), 'extensions'),
    });
  }
  const contentType = req.headers['content-type'] ?? '';
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json' && mediaType !== 'application/graphql-response+json') {
    req.resume();
    throw new IntelGraphError(
      'UNSUPPORTED_MEDIA_TYPE',
      'POST requests must have Content-Type: application/json',
      { input: contentType },
    );
  }
  const body = await readBody(req, maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw bad('the body is not valid JSON', body.slice(0, 200));
  }
  return validateParams(parsed);
}
