import type { ErrorSection } from './error-definition.js';

/** Errors raised by the shared foundations (config, lifecycle). */
export const platformErrors = {
  CONFIG_INVALID: {
    httpStatus: 500,
    summary: 'A configuration value (environment variable or options object) is missing or malformed.',
    retryable: false,
  },
  INTERNAL_ERROR: {
    httpStatus: 500,
    summary: 'An unexpected failure inside the platform; the cause is attached and logged.',
    retryable: false,
  },
} as const satisfies ErrorSection;
