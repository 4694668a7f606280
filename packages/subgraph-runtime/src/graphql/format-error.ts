import { IntelGraphError } from '@intelgraph/errors';
import type { Logger } from '@intelgraph/telemetry';
import type { GraphQLFormattedError } from 'graphql';

function originalOf(error: unknown): unknown {
  let current = error;
  // GraphQLError wraps what a resolver threw in `originalError` (sometimes twice, through federation).
  for (let i = 0; i < 5; i += 1) {
    const next = (current as { originalError?: unknown } | null)?.originalError;
    if (next === undefined || next === null) break;
    current = next;
  }
  return current;
}

/**
 * Apollo's `formatError`: every error leaves with a stable `extensions.code`. Platform errors keep
 * their code, message and details; Apollo's own request errors (parse, validation, variable
 * coercion) keep theirs; anything else is an internal error — logged with its cause, and shown to
 * the client only as `INTERNAL_ERROR` so no SQL or stack leaks.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = originalOf(error);
    if (original instanceof IntelGraphError) {
      if (original.code === 'INTERNAL_ERROR') {
        logger.error(
          { err: original.cause ?? original, path: formatted.path },
          'internal error in a resolver',
        );
        return { ...formatted, message: 'Internal error', extensions: { code: 'INTERNAL_ERROR' } };
      }
      return {
        ...formatted,
        message: original.message,
        extensions: { ...original.toGraphQLExtensions(), retryable: original.retryable },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
    return { ...formatted, message: 'Internal error', extensions: { code: 'INTERNAL_ERROR' } };
  };
}
