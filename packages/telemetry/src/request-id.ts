import { randomUUID } from 'node:crypto';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id for an incoming request: the caller's `x-request-id` when it is a sane token
 * (so ids follow a request across services), otherwise a new UUID. A hostile header cannot
 * inject text into logs.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE.test(value) ? value : randomUUID();
}
