import type { DeadLetter, MessageHandler, OutgoingMessage } from '../messages/message.js';

/**
 * The one interface every transport implements (RabbitMQ, Kafka, in-process), checked by one
 * contract suite (`test/contract/transport-contract.ts`).
 *
 * Semantics every implementation keeps:
 * - `publish` resolves only once the message is durably accepted (broker confirm / `acks: all`);
 *   it rejects with a coded IntelGraphError otherwise. At least once: a retried publish may
 *   store a duplicate, so consumers deduplicate by `id`.
 * - `subscribe` joins a consumer group: subscriptions with the same group share the messages,
 *   each group gets every message. Messages published while a group has no live subscriber wait
 *   for it (once the group has subscribed at least once).
 * - A handler that resolves acknowledges. One that throws gets the message again after an
 *   exponential backoff with jitter, up to `maxRetries` times; then the message goes to the
 *   group's dead-letter queue with the reason and the last error, and the queue moves on.
 */
export interface Transport {
  /** `in-process`, `rabbitmq` or `kafka`. */
  readonly kind: string;
  publish(topic: string, message: OutgoingMessage): Promise<void>;
  subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Dead-lettered messages of one topic and group, oldest first, without removing them. */
  listDeadLetters(topic: string, options?: DeadLetterQuery): Promise<DeadLetter[]>;
  /** Sends dead-lettered messages (all, or those with the given ids) back to their group with a fresh retry budget; resolves to how many. */
  replayDeadLetters(topic: string, options?: DeadLetterReplay): Promise<number>;
  /** Stops consuming (waiting for handlers in flight), then closes connections. Idempotent. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Consumer group. Default: the transport's default group. */
  readonly group?: string;
  /** Handlers running at once for this subscription (RabbitMQ prefetch). Default: the transport's `prefetch`. */
  readonly prefetch?: number;
  /**
   * The group is this one subscriber's alone (one per process, so that every process sees every
   * message) and dies with it: RabbitMQ deletes its queues when the subscription closes, and the
   * broker itself when they have gone unused for `ephemeralExpiryMs` (a killed process leaves
   * nothing for long); Kafka keeps only the group's committed offsets, which it expires by itself.
   * Default false: a group outlives its subscribers and keeps what they have not consumed.
   */
  readonly ephemeral?: boolean;
}

export interface Subscription {
  readonly topic: string;
  readonly group: string;
  /** Stops this subscription; a message whose handler has not finished is redelivered to the group. */
  close(): Promise<void>;
}

export interface DeadLetterQuery {
  readonly group?: string;
  /** At most this many (default 100). */
  readonly limit?: number;
}

export interface DeadLetterReplay {
  readonly group?: string;
  /** Only these message ids (default: every dead letter of the topic and group). */
  readonly ids?: readonly string[];
}
