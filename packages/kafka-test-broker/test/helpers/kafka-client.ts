import { type Consumer, type ConsumerConfig, type EachMessagePayload, Kafka, logLevel } from 'kafkajs';
import type { TestBroker } from '../../src/index.js';

let clientCounter = 0;

/** A kafkajs client with fast retries and silent logs, pointed at the test broker. */
export function kafkaFor(broker: TestBroker, retries = 5): Kafka {
  clientCounter += 1;
  return new Kafka({
    clientId: `kafka-test-broker-test-${clientCounter}`,
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, maxRetryTime: 500, retries },
    connectionTimeout: 1_000,
  });
}

/** Short group timings so rebalances take a fraction of a second. */
export const fastGroup = {
  sessionTimeout: 1_500,
  rebalanceTimeout: 1_500,
  heartbeatInterval: 100,
  maxWaitTimeInMs: 100,
  retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 10 },
} satisfies Partial<ConsumerConfig>;

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

/** Runs the consumer and resolves with the first `count` messages it is given. */
export function collect(consumer: Consumer, count: number, into: Received[] = []): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
          into.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
          });
          if (into.length >= count) resolve(into);
        },
      })
      .catch(reject);
  });
}

/** Resolves when `predicate` holds, polling every 20 ms (fails the test by its timeout otherwise). */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
