import type { ErrorSection } from './error-definition.js';

/** Errors of the gateway → subgraph identity (packages/identity). */
export const identityErrors = {
  IDENTITY_MISSING: {
    httpStatus: 401,
    summary: 'A subgraph request carries no signed identity header from the gateway.',
    retryable: false,
  },
  IDENTITY_INVALID: {
    httpStatus: 401,
    summary: 'The signed identity is malformed, has a bad signature, or is outside the allowed clock skew.',
    retryable: false,
  },
} as const satisfies ErrorSection;
