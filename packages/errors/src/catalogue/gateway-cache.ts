import type { ErrorSection } from './error-definition.js';

/** Errors raised by the gateway's caching plugins (`gateway/src/caching`). */
export const gatewayCacheErrors = {
  CACHE_INVALIDATION_INVALID: {
    httpStatus: 400,
    summary:
      'The cache admin endpoint got no tag= / entity= parameter, or one that is not a valid tag (ASCII 33-126, no comma, at most 256 characters).',
    retryable: false,
  },
} as const satisfies ErrorSection;
