import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
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

export function toKafkaMessage(message: PreparedMessage): Message {
  const headers: IHeaders = {
    ...message.headers,
    [KH.id]: message.id,
    [KH.topic]: message.topic,
    [KH.type]: message.type,
    [KH.priority]: message.priority,
    [KH.attempt]: '1',
    [KH.maxRetries]: String(message.maxRetries),
    [KH.timestamp]: String(message.timestamp),
  };
  return { key: message.key ?? null, value: message.body, headers, timestamp: String(message.timestamp) };
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/** The same record again (retry topic, dead-letter topic, replay), with some headers replaced. */
export function rewrite(message: KafkaMessage, replace: Record<string, string | undefined>): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!(name in replace)) headers[name] = value;
  }
  for (const [name, value] of Object.entries(replace)) if (value !== undefined) headers[name] = value;
  return { key: message.key, value: message.value, headers };
}

/** Decodes a record; throws when the value is not JSON (the caller dead-letters it). */
export function toDelivered(message: KafkaMessage, sourceTopic: string, group: string): DeliveredMessage {
  const h = message.headers;
  const headers: Record<string, string> = {};
  for (const name of Object.keys(h ?? {})) {
    if (!name.startsWith('x-ig-')) headers[name] = headerText(h, name) ?? '';
  }
  const priority = headerText(h, KH.priority) as Priority | undefined;
  const topic = headerText(h, KH.topic) ?? sourceTopic;
  return {
    id: headerText(h, KH.id) ?? `${sourceTopic}-${message.offset}`,
    topic,
    type: headerText(h, KH.type) ?? topic,
    payload: JSON.parse(message.value?.toString('utf8') ?? 'null') as unknown,
    key: message.key === null || message.key === undefined ? undefined : message.key.toString('utf8'),
    headers,
    priority: priority && PRIORITIES.includes(priority) ? priority : 'normal',
    attempt: Number(headerText(h, KH.attempt) ?? 1),
    maxRetries: Number(headerText(h, KH.maxRetries) ?? 0),
    timestamp: Number(headerText(h, KH.timestamp) ?? message.timestamp),
    group,
  };
}

export function toDeadLetter(message: KafkaMessage, topic: string, group: string): DeadLetter {
  let delivered: DeliveredMessage;
  try {
    delivered = toDelivered(message, topic, group);
  } catch {
    delivered = {
      ...toDelivered({ ...message, value: Buffer.from('null') }, topic, group),
      payload: message.value?.toString('utf8'),
    };
  }
  return {
    message: delivered,
    reason: (headerText(message.headers, KH.reason) ?? 'max-retries-exceeded') as DeadLetterReason,
    lastError: headerText(message.headers, KH.lastError) ?? '',
    deadLetteredAt: Number(headerText(message.headers, KH.deadAt) ?? 0),
  };
}
