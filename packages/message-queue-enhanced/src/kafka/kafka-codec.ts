import type { Message, MessageToProduce } from '@platformatic/kafka';
import type { PreparedMessage } from '../messages/envelope.js';
import {
  type DeadLetter,
  type DeadLetterReason,
  type DeliveredMessage,
  PRIORITIES,
  type Priority,
} from '../messages/message.js';

/** Headers this library sets on Kafka records (user headers never use the `x-ig-` prefix). */
export const KH = {
  id: 'x-ig-id',
  topic: 'x-ig-topic',
  type: 'x-ig-type',
  priority: 'x-ig-priority',
  attempt: 'x-ig-attempt',
  maxRetries: 'x-ig-max-retries',
  timestamp: 'x-ig-timestamp',
  retryAt: 'x-ig-retry-at',
  reason: 'x-ig-dead-letter-reason',
  lastError: 'x-ig-last-error',
  deadAt: 'x-ig-dead-lettered-at',
  replayed: 'x-ig-dlq-replayed',
} as const;

/**
 * A record as the clients of this library send it: key and value as bytes, header names and values
 * as text (the producers and consumers are built with string header serializers).
 */
export type OutgoingRecord = MessageToProduce<Buffer, Buffer, string, string>;

/** A consumed record (what a consumer's messages stream hands out). */
export type ConsumedRecord = Message<Buffer, Buffer, string, string>;

/** What decoding a consumed record reads of it. */
export type RecordContent = Pick<ConsumedRecord, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>;

/**
 * The Kafka consumer group of a subscription: one per topic and group. A transport group is a set
 * of competing consumers of one topic (RabbitMQ: one queue per topic and group), while one Kafka
 * group spreads the partitions of every topic its members subscribe to over all of them: members
 * subscribed to different topics under one group id would be assigned each other's partitions
 * and ignore them, and those topics' messages would never be handled.
 */
export function kafkaGroupId(topic: string, group: string): string {
  return `${group}.${topic}`;
}

/** Retry and dead-letter topics belong to one consumer group: a retry never reaches another group. */
export function retryTopicName(topic: string, group: string): string {
  return `${topic}.retry.${group}`;
}

export function deadLetterTopicName(topic: string, group: string): string {
  return `${topic}.dlq.${group}`;
}

/** The record of a prepared message, for its own topic. */
export function toKafkaRecord(message: PreparedMessage): OutgoingRecord {
  const headers = new Map<string, string>(Object.entries(message.headers));
  headers.set(KH.id, message.id);
  headers.set(KH.topic, message.topic);
  headers.set(KH.type, message.type);
  headers.set(KH.priority, message.priority);
  headers.set(KH.attempt, '1');
  headers.set(KH.maxRetries, String(message.maxRetries));
  headers.set(KH.timestamp, String(message.timestamp));
  return {
    topic: message.topic,
    key: message.key === undefined ? undefined : Buffer.from(message.key),
    value: message.body,
    headers,
    timestamp: BigInt(message.timestamp),
  };
}

export function headerText(
  headers: ReadonlyMap<string, string> | undefined,
  name: string,
): string | undefined {
  return headers?.get(name);
}

/**
 * The same record again, for `topic` (retry topic, dead-letter topic, replay), with some headers
 * replaced (`undefined` removes one).
 */
export function rewrite(
  record: Pick<RecordContent, 'key' | 'value' | 'headers'>,
  topic: string,
  replace: Readonly<Record<string, string | undefined>>,
): OutgoingRecord {
  const headers = new Map<string, string>();
  for (const [name, value] of record.headers ?? []) if (!(name in replace)) headers.set(name, value);
  for (const [name, value] of Object.entries(replace)) if (value !== undefined) headers.set(name, value);
  return { topic, key: record.key ?? undefined, value: record.value ?? undefined, headers };
}

/** Decodes a record; throws when the value is not JSON (the caller dead-letters it). */
export function toDelivered(record: RecordContent, sourceTopic: string, group: string): DeliveredMessage {
  const h = record.headers;
  const headers: Record<string, string> = {};
  for (const [name, value] of h ?? []) if (!name.startsWith('x-ig-')) headers[name] = value ?? '';
  const priority = headerText(h, KH.priority) as Priority | undefined;
  const topic = headerText(h, KH.topic) ?? sourceTopic;
  return {
    id: headerText(h, KH.id) ?? `${sourceTopic}-${record.offset}`,
    topic,
    type: headerText(h, KH.type) ?? topic,
    payload: JSON.parse(record.value?.toString('utf8') ?? 'null') as unknown,
    key: record.key ? record.key.toString('utf8') : undefined,
    headers,
    priority: priority && PRIORITIES.includes(priority) ? priority : 'normal',
    attempt: Number(headerText(h, KH.attempt) ?? 1),
    maxRetries: Number(headerText(h, KH.maxRetries) ?? 0),
    timestamp: Number(headerText(h, KH.timestamp) ?? record.timestamp),
    group,
  };
}

export function toDeadLetter(record: RecordContent, topic: string, group: string): DeadLetter {
  let delivered: DeliveredMessage;
  try {
    delivered = toDelivered(record, topic, group);
  } catch {
    delivered = {
      ...toDelivered({ ...record, value: Buffer.from('null') }, topic, group),
      payload: record.value?.toString('utf8'),
    };
  }
  return {
    message: delivered,
    reason: (headerText(record.headers, KH.reason) ?? 'max-retries-exceeded') as DeadLetterReason,
    lastError: headerText(record.headers, KH.lastError) ?? '',
    deadLetteredAt: Number(headerText(record.headers, KH.deadAt) ?? 0),
  };
}
