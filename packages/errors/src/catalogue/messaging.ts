import type { ErrorSection } from './error-definition.js';

/** Errors raised by @intelgraph/message-queue-enhanced (transports, event store, outbox). */
export const messagingErrors = {
  CONCURRENCY_CONFLICT: {
    httpStatus: 409,
    summary: 'An append expected a stream version that another writer has already moved past.',
    retryable: false,
  },
  EVENT_INVALID: {
    httpStatus: 400,
    summary: 'An event handed to the event store is malformed (missing field, bad version sequence).',
    retryable: false,
  },
  MESSAGE_INVALID: {
    httpStatus: 400,
    summary: 'A message or its payload fails its schema and was refused at publish.',
    retryable: false,
  },
  MESSAGE_TOO_LARGE: {
    httpStatus: 413,
    summary: 'An encoded message exceeds the transport’s maximum message size and was refused.',
    retryable: false,
  },
  PUBLISH_NOT_CONFIRMED: {
    httpStatus: 503,
    summary: 'The broker did not confirm a publish (nack, or no confirm before the publish timeout).',
    retryable: true,
  },
  TRANSPORT_UNAVAILABLE: {
    httpStatus: 503,
    summary: 'The message broker cannot be reached; the operation may succeed once it is back.',
    retryable: true,
  },
  TRANSPORT_CLOSED: {
    httpStatus: 503,
    summary: 'The transport was closed by its owner; no further publish or subscribe is accepted.',
    retryable: false,
  },
  DEAD_LETTER_NOT_FOUND: {
    httpStatus: 404,
    summary: 'No dead-lettered message with the given id is in the dead-letter queue.',
    retryable: false,
  },
} as const satisfies ErrorSection;
