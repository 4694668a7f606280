export { InProcessTransport, type InProcessTransportOptions } from './in-process/in-process-transport.js';
export { type EnvelopeRules, type PreparedMessage, prepareMessage } from './messages/envelope.js';
export {
  type DeadLetter,
  type DeadLetterReason,
  type DeliveredMessage,
  type MessageHandler,
  type OutgoingMessage,
  PRIORITIES,
  type Priority,
} from './messages/message.js';
export { RABBITMQ_DEFAULTS, RabbitMQQueue, type RabbitMQQueueOptions } from './rabbitmq/rabbitmq-queue.js';
export { RETRY_DEFAULTS, type RetryPolicy, retryDelay } from './transport/retry-policy.js';
export type {
  DeadLetterQuery,
  DeadLetterReplay,
  SubscribeOptions,
  Subscription,
  Transport,
} from './transport/transport.js';
export type { TransportMetrics } from './transport/transport-metrics.js';
export { TRANSPORT_DEFAULTS, type TransportOptions } from './transport/transport-options.js';
