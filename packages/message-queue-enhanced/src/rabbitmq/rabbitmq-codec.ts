import type { Message, Options } from 'amqplib';
import type { PreparedMessage } from '../messages/envelope.js';
import {
  type DeadLetter,
  type DeadLetterReason,
  type DeliveredMessage,
  PRIORITY_VALUES,
  type Priority,
  priorityFromValue,
} from '../messages/message.js';

/** Headers this library sets on AMQP messages (user headers never use the `x-ig-` prefix). */
export const H = {
  topic: 'x-ig-topic',
  key: 'x-ig-key',
  attempt: 'x-ig-attempt',
  maxRetries: 'x-ig-max-retries',
  timestamp: 'x-ig-timestamp',
  reason: 'x-ig-dead-letter-reason',
  lastError: 'x-ig-last-error',
  deadAt: 'x-ig-dead-lettered-at',
  group: 'x-ig-group',
  /**
   * The lane (work queue) a retried message returns to, matched by the headers exchange
   * `<ns>.lanes` — without the `x-` prefix, which headers exchanges ignore when matching.
   */
  lane: 'ig-lane',
} as const;

/**
 * The routing key of a topic's lane on `<ns>.events`: the topic itself for `normal` (what a
 * publisher unaware of lanes sends), `<topic>/<priority>` otherwise — `/` is not allowed in a
 * topic name, so no topic's key can be another's lane.
 */
export function laneRoutingKey(topic: string, priority: Priority): string {
  return priority === 'normal' ? topic : `${topic}/${priority}`;
}

/** The topic of a routing key on `<ns>.events` (laneRoutingKey's inverse). */
export function topicOfRoutingKey(routingKey: string): string {
  const slash = routingKey.indexOf('/');
  return slash === -1 ? routingKey : routingKey.slice(0, slash);
}

/**
 * Properties of a first publish. Kept lean, it is the hot path (amqplib encodes every header
 * field): the topic is the routing key and the attempt is 1, so neither is written until a
 * republish needs them; numbers go as strings (amqplib encodes a large number through BigInt).
 */
export function publishOptions(message: PreparedMessage): Options.Publish {
  const headers: Record<string, unknown> = {
    ...message.headers,
    [H.maxRetries]: String(message.maxRetries),
    [H.timestamp]: String(message.timestamp),
  };
  if (message.key !== undefined) headers[H.key] = message.key;
  return {
    persistent: true,
    messageId: message.id,
    type: message.type,
    contentType: 'application/json',
    priority: PRIORITY_VALUES[message.priority],
    headers,
  };
}

/** The same message again, for a retry, the dead-letter queue or a replay, with headers replaced. */
export function republishOptions(source: Message, extraHeaders: Record<string, unknown>): Options.Publish {
  const p = source.properties;
  const options: Options.Publish = {
    persistent: true,
    messageId: p.messageId as string,
    type: p.type as string,
    contentType: 'application/json',
    // A republish goes to another queue under another routing key: pin the topic now.
    headers: {
      [H.topic]: topicOfRoutingKey(source.fields.routingKey),
      ...(p.headers ?? {}),
      ...extraHeaders,
    },
  };
  if (p.priority !== undefined) options.priority = p.priority as number;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp as number;
  return options;
}

/** Decodes an AMQP message; throws when the body is not JSON (the caller dead-letters it). */
export function toDelivered(message: Message, group: string): DeliveredMessage {
  const raw = message.properties.headers ?? {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (
      name !== H.lane &&
      !name.startsWith('x-ig-') &&
      !name.startsWith('x-death') &&
      !name.startsWith('x-first-death') &&
      !name.startsWith('x-last-death')
    ) {
      headers[name] = String(value);
    }
  }
  const topic = String(raw[H.topic] ?? topicOfRoutingKey(message.fields.routingKey));
  return {
    id: String(message.properties.messageId ?? ''),
    topic,
    type: String(message.properties.type ?? topic),
    payload: JSON.parse(message.content.toString('utf8')) as unknown,
    key: raw[H.key] === undefined ? undefined : String(raw[H.key]),
    headers,
    priority: priorityFromValue(message.properties.priority as number | undefined),
    attempt: Number(raw[H.attempt] ?? 1),
    maxRetries: Number(raw[H.maxRetries] ?? 0),
    timestamp: Number(raw[H.timestamp] ?? 0),
    group,
  };
}

export function toDeadLetter(message: Message, group: string): DeadLetter {
  const raw = message.properties.headers ?? {};
  let delivered: DeliveredMessage;
  try {
    delivered = toDelivered(message, group);
  } catch {
    delivered = {
      ...toDelivered({ ...message, content: Buffer.from('null') }, group),
      payload: message.content.toString('utf8'),
    };
  }
  return {
    message: delivered,
    reason: String(raw[H.reason] ?? 'max-retries-exceeded') as DeadLetterReason,
    lastError: String(raw[H.lastError] ?? ''),
    deadLetteredAt: Number(raw[H.deadAt] ?? 0),
  };
}
