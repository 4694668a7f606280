import { IntelGraphError } from './intelgraph-error.js';

/**
 * Normalises anything thrown into an IntelGraphError: platform errors pass through, anything
 * else becomes `INTERNAL_ERROR` with the original kept as `cause` (for logs, never for clients).
 */
export function toIntelGraphError(error: unknown): IntelGraphError {
  if (error instanceof IntelGraphError) return error;
  return new IntelGraphError('INTERNAL_ERROR', 'Internal error', { cause: error });
}
