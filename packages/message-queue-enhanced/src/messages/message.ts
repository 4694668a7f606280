/** How urgent a message is. RabbitMQ routes it to the group's queue of that priority (a lane, see rabbitmq-topology.ts); Kafka and the in-process transport keep it as a header (in-process also orders by it). */
export type Priority = 'low' | 'normal' | 'high' | 'critical';

export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'critical'];

/** AMQP `priority` property for each level (carried on the message; RabbitMQ orders by lane, not by it). */
export const PRIORITY_VALUES: Readonly<Record<Priority, number>> = {
  low: 1,
  normal: 4,
  high: 7,
  critical: 10,
};

export function priorityFromValue(value: number | undefined): Priority {
  if (value === undefined) return 'normal';
  if (value >= PRIORITY_VALUES.critical) return 'critical';
  if (value >= PRIORITY_VALUES.high) return 'high';
  if (value >= PRIORITY_VALUES.normal) return 'normal';
  return 'low';
}

/** What a producer hands to `Transport.publish`. */
export interface OutgoingMessage<P = unknown> {
  /** Unique message id; consumers deduplicate on it. Default: a new UUID. */
  readonly id?: string;
  /** Optional, must equal the topic passed to `publish` when given (the platform's documented shape carries it). */
  readonly topic?: string;
  /** Event type, used to pick the payload schema (falls back to the topic). */
  readonly type?: string;
  /** JSON-serialisable body. */
  readonly payload: P;
  /** Partition / ordering key (e.g. the aggregate id): messages with one key keep their order. */
  readonly key?: string;
  /** String headers carried end to end. Names starting with `x-ig-` are reserved. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default `normal`. */
  readonly priority?: Priority;
  /** Handler failures retried before the message goes to the dead-letter queue. Default: the transport's `defaultMaxRetries`. */
  readonly maxRetries?: number;
  /** Epoch milliseconds. Default: now. */
  readonly timestamp?: number;
}

/** What a handler receives. */
export interface DeliveredMessage<P = unknown> {
  readonly id: string;
  readonly topic: string;
  readonly type: string;
  readonly payload: P;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly priority: Priority;
  /** 1 on first delivery, 2 on the first retry, … */
  readonly attempt: number;
  readonly maxRetries: number;
  readonly timestamp: number;
  /** Consumer group this delivery belongs to. */
  readonly group: string;
}

/** A handler resolves to acknowledge; throwing schedules a retry (or dead-letters after `maxRetries`). */
export type MessageHandler<P = unknown> = (message: DeliveredMessage<P>) => Promise<void> | void;

/** A message parked in a dead-letter queue, with why it got there. */
export interface DeadLetter {
  readonly message: DeliveredMessage;
  /** `max-retries-exceeded` or `invalid-message`. */
  readonly reason: DeadLetterReason;
  /** Message of the last handler error. */
  readonly lastError: string;
  /** Epoch milliseconds at which it was dead-lettered. */
  readonly deadLetteredAt: number;
}

export type DeadLetterReason = 'max-retries-exceeded' | 'invalid-message';
