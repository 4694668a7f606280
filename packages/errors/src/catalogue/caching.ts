import type { ErrorSection } from './error-definition.js';

/** Errors raised by @intelgraph/advanced-caching (L1/L2 cache, warmer, invalidator, CDN). */
export const cachingErrors = {
  CACHE_KEY_INVALID: {
    httpStatus: 400,
    summary: 'A cache key is empty, not a string, or longer than the configured maximum.',
    retryable: false,
  },
  CACHE_TAG_INVALID: {
    httpStatus: 400,
    summary: 'A cache tag is empty, too long, or has characters outside visible ASCII (33-126, no comma).',
    retryable: false,
  },
  CACHE_VALUE_NOT_SERIALIZABLE: {
    httpStatus: 500,
    summary:
      'A value given to the cache cannot be serialized (function, symbol, cycle, BigInt without a codec).',
    retryable: false,
  },
  CACHE_STRATEGY_UNKNOWN: {
    httpStatus: 400,
    summary: 'A cache-warming strategy name was not registered (or was registered twice).',
    retryable: false,
  },
  CACHE_CDN_PATH_INVALID: {
    httpStatus: 400,
    summary: 'A CDN invalidation path does not start with / or has a * anywhere but at its end.',
    retryable: false,
  },
  CACHE_CDN_INVALIDATION_FAILED: {
    httpStatus: 502,
    summary: 'The CDN refused an invalidation after every retry (throttled, or an API error).',
    retryable: true,
  },
} as const satisfies ErrorSection;
