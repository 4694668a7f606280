import type { Channel } from 'amqplib';
import { MAX_PRIORITY } from '../messages/message.js';
import { baseRetryDelay, type RetryPolicy } from '../transport/retry-policy.js';

/**
 * The durable topology of one topic and consumer group:
 *
 *   publish ──► exchange `<ns>.events` (direct, routing key = topic)
 *                 └─► work queue `<ns>.<topic>.<group>` (x-max-priority)
 *   handler fails ──► retry queue `<…>.retry.<n>` (TTL, dead-letters back to the work queue)
 *   retries spent ──► dead-letter queue `<…>.dlq`
 *
 * Retry level n holds messages for about `baseDelayMs·factor^(n−1)`: its `x-message-ttl` is the
 * upper bound of that delay with jitter, and each message carries its own jittered `expiration`.
 * Within one level delays differ only by the jitter, so a queue's head-of-line expiry holds a
 * message back by at most that spread. Levels stop where the delay reaches `maxDelayMs`.
 */
export interface GroupTopology {
  readonly exchange: string;
  readonly workQueue: string;
  readonly retryQueues: readonly { readonly name: string; readonly ttlMs: number }[];
  readonly deadLetterQueue: string;
}

const MAX_RETRY_LEVELS = 10;

export function exchangeName(namespace: string): string {
  return `${namespace}.events`;
}

export function groupTopology(
  namespace: string,
  topic: string,
  group: string,
  retry: RetryPolicy,
): GroupTopology {
  const workQueue = `${namespace}.${topic}.${group}`;
  const retryQueues: { name: string; ttlMs: number }[] = [];
  for (let level = 1; level <= MAX_RETRY_LEVELS; level++) {
    const delay = baseRetryDelay(retry, level);
    retryQueues.push({
      name: `${workQueue}.retry.${level}`,
      ttlMs: Math.ceil(delay * (1 + retry.jitter)) + 1,
    });
    if (delay >= retry.maxDelayMs) break;
  }
  return { exchange: exchangeName(namespace), workQueue, retryQueues, deadLetterQueue: `${workQueue}.dlq` };
}

/** The retry queue for the n-th retry (1-based): the last level takes every later retry. */
export function retryQueueFor(topology: GroupTopology, retry: number): { name: string; ttlMs: number } {
  return topology.retryQueues[Math.min(retry, topology.retryQueues.length) - 1]!;
}

/** Declares (idempotently) everything a topic and group need. */
export async function declareGroupTopology(
  channel: Channel,
  topic: string,
  topology: GroupTopology,
): Promise<void> {
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertQueue(topology.workQueue, {
    durable: true,
    arguments: { 'x-max-priority': MAX_PRIORITY },
  });
  await channel.bindQueue(topology.workQueue, topology.exchange, topic);
  for (const retryQueue of topology.retryQueues) {
    await channel.assertQueue(retryQueue.name, {
      durable: true,
      arguments: {
        'x-message-ttl': retryQueue.ttlMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.workQueue,
      },
    });
  }
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
}

export async function deleteGroupTopology(channel: Channel, topology: GroupTopology): Promise<void> {
  await channel.deleteQueue(topology.workQueue);
  for (const retryQueue of topology.retryQueues) await channel.deleteQueue(retryQueue.name);
  await channel.deleteQueue(topology.deadLetterQueue);
}
