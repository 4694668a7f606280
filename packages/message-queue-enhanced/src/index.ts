export type {
  AppendResult,
  ExpectedVersion,
} from './event-store/append-events.js';
export {
  type AppendOptions,
  EVENT_STORE_DEFAULTS,
  EventSourcingStore,
  type EventSourcingStoreOptions,
  type Snapshot,
} from './event-store/event-sourcing-store.js';
export {
  EVENT_SUBSCRIPTION_DEFAULTS,
  EventSubscription,
  type EventSubscriptionOptions,
  type StoredEventHandler,
} from './event-store/event-subscription.js';
export type {
  SqlClient,
  SqlDatabase,
  SqlExecutor,
  SqlPool,
  SqlQueryable,
} from './event-store/sql-database.js';
export {
  compareCursors,
  isCursor,
  type NewEvent,
  START_CURSOR,
  type StoredEvent,
} from './event-store/stored-event.js';
export { InProcessTransport, type InProcessTransportOptions } from './in-process/in-process-transport.js';
export {
  KAFKA_DEFAULTS,
  KafkaEventStream,
  type KafkaEventStreamOptions,
} from './kafka/kafka-event-stream.js';
export type { TransformFn } from './kafka/kafka-transformer.js';
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
export { type DeduplicationOptions, deduplicatingHandler } from './outbox/deduplicating-handler.js';
export { OUTBOX_RELAY_DEFAULTS, OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.js';
export { RABBITMQ_DEFAULTS, RabbitMQQueue, type RabbitMQQueueOptions } from './rabbitmq/rabbitmq-queue.js';
export { FanOutTransport } from './transport/fan-out-transport.js';
export { RETRY_DEFAULTS, type RetryPolicy, retryDelay } from './transport/retry-policy.js';
export type {
  DeadLetterQuery,
  DeadLetterReplay,
  SubscribeOptions,
  Subscription,
  Transport,
} from './transport/transport.js';
export {
  type ConsumerRole,
  type EventBrokersConfig,
  type PublisherRole,
  transportFor,
} from './transport/transport-for.js';
export type { TransportMetrics } from './transport/transport-metrics.js';
export { TRANSPORT_DEFAULTS, type TransportOptions } from './transport/transport-options.js';
