import type { Channel } from 'amqplib';
import { PRIORITIES, type Priority } from '../messages/message.js';
import { baseRetryDelay, type RetryPolicy } from '../transport/retry-policy.js';
import { H, laneRoutingKey } from './rabbitmq-codec.js';

/**
 * The durable topology of one topic and consumer group, every queue a quorum queue:
 *
 *   publish ──► exchange `<ns>.events` (direct, routing key = topic, or `topic/<priority>`)
 *                 └─► one work queue per priority, `<ns>.<topic>.<group>.<priority>` (a "lane")
 *   handler fails ──► retry queue `<…>.retry.<n>` (TTL, dead-letters through the headers
 *                     exchange `<ns>.lanes` back to the lane the message came from)
 *   retries spent ──► dead-letter queue `<…>.dlq`
 *
 * Why lanes: production runs RabbitMQ with `default_queue_type = quorum` (replicated, the only
 * durable type that survives the loss of a node), and quorum queues refuse `x-max-priority`
 * (406 PRECONDITION_FAILED; RabbitMQ 4 adds only two levels, and we run 3.13). So each priority
 * has its own queue, and the consumer takes from the most urgent lane that has a message
 * (rabbitmq-consumer.ts). Every queue is declared with `x-queue-type: quorum` explicitly, so the
 * type never depends on a broker's or vhost's default.
 *
 * Retry level n holds messages for about `baseDelayMs·factor^(n−1)`: its `x-message-ttl` is the
 * upper bound of that delay with jitter, and each message carries its own jittered `expiration`.
 * Within one level delays differ only by the jitter, so a queue's head-of-line expiry holds a
 * message back by at most that spread. Levels stop where the delay reaches `maxDelayMs`. Expired
 * retries are dead-lettered at-least-once (quorum queues' `x-dead-letter-strategy`, which needs
 * `x-overflow: reject-publish`): a broker failure in between gives a duplicate, not a loss.
 */
export interface GroupTopology {
  readonly exchange: string;
  /** Headers exchange routing expired retries back to their lane (header `ig-lane`). */
  readonly laneExchange: string;
  /** One work queue per priority, most urgent first. */
  readonly lanes: readonly Lane[];
  readonly retryQueues: readonly { readonly name: string; readonly ttlMs: number }[];
  readonly deadLetterQueue: string;
  /** An ephemeral group's queues: the broker deletes each once unused this long (`x-expires`). */
  readonly expiresMs?: number;
}

export interface Lane {
  readonly priority: Priority;
  readonly queue: string;
  /** The routing key on `<ns>.events` that reaches it. */
  readonly routingKey: string;
}

/** What a queue is declared with: the single description both declaring and checking use. */
export interface QueueDeclaration {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly bindings: readonly {
    readonly exchange: string;
    readonly routingKey: string;
    readonly arguments?: Readonly<Record<string, unknown>>;
  }[];
}

export const QUEUE_TYPE = 'quorum';
const MAX_RETRY_LEVELS = 10;
/** Most urgent first: the order the consumer serves lanes in. */
const LANE_ORDER: readonly Priority[] = [...PRIORITIES].reverse();

export function exchangeName(namespace: string): string {
  return `${namespace}.events`;
}

export function laneExchangeName(namespace: string): string {
  return `${namespace}.lanes`;
}

export function groupTopology(
  namespace: string,
  topic: string,
  group: string,
  retry: RetryPolicy,
  expiresMs?: number,
): GroupTopology {
  const base = `${namespace}.${topic}.${group}`;
  const retryQueues: { name: string; ttlMs: number }[] = [];
  for (let level = 1; level <= MAX_RETRY_LEVELS; level++) {
    const delay = baseRetryDelay(retry, level);
    retryQueues.push({
      name: `${base}.retry.${level}`,
      ttlMs: Math.ceil(delay * (1 + retry.jitter)) + 1,
    });
    if (delay >= retry.maxDelayMs) break;
  }
  return {
    exchange: exchangeName(namespace),
    laneExchange: laneExchangeName(namespace),
    lanes: LANE_ORDER.map((priority) => ({
      priority,
      queue: `${base}.${priority}`,
      routingKey: laneRoutingKey(topic, priority),
    })),
    retryQueues,
    deadLetterQueue: `${base}.dlq`,
    ...(expiresMs === undefined ? {} : { expiresMs }),
  };
}

/** The lane of a priority. */
export function laneFor(topology: GroupTopology, priority: Priority): Lane {
  return topology.lanes.find((l) => l.priority === priority)!;
}

/** The retry queue for the n-th retry (1-based): the last level takes every later retry. */
export function retryQueueFor(topology: GroupTopology, retry: number): { name: string; ttlMs: number } {
  return topology.retryQueues[Math.min(retry, topology.retryQueues.length) - 1]!;
}

/** Every queue of the topology with its arguments and bindings, lanes first. */
export function queueDeclarations(topology: GroupTopology): QueueDeclaration[] {
  const quorum = {
    'x-queue-type': QUEUE_TYPE,
    ...(topology.expiresMs === undefined ? {} : { 'x-expires': topology.expiresMs }),
  };
  return [
    ...topology.lanes.map((lane) => ({
      name: lane.queue,
      arguments: quorum,
      bindings: [
        { exchange: topology.exchange, routingKey: lane.routingKey },
        {
          exchange: topology.laneExchange,
          routingKey: '',
          arguments: { 'x-match': 'all', [H.lane]: lane.queue },
        },
      ],
    })),
    ...topology.retryQueues.map((q) => ({
      name: q.name,
      arguments: {
        ...quorum,
        'x-message-ttl': q.ttlMs,
        'x-dead-letter-exchange': topology.laneExchange,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
      bindings: [],
    })),
    { name: topology.deadLetterQueue, arguments: quorum, bindings: [] },
  ];
}

/** Declares (idempotently) everything a topic and group need. */
export async function declareGroupTopology(channel: Channel, topology: GroupTopology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.laneExchange, 'headers', { durable: true });
  for (const q of queueDeclarations(topology)) {
    await channel.assertQueue(q.name, { durable: true, arguments: q.arguments });
    for (const b of q.bindings) await channel.bindQueue(q.name, b.exchange, b.routingKey, b.arguments);
  }
}

export async function deleteGroupTopology(channel: Channel, topology: GroupTopology): Promise<void> {
  for (const q of queueDeclarations(topology)) await channel.deleteQueue(q.name);
}
