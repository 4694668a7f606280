import { Kafka, logLevel } from 'kafkajs';
import { type BenchClient, type BenchConsumer, GROUP_SETTINGS } from './bench-client.js';

/** kafkajs 2.2.4 (the baseline): an idempotent producer, `run({ eachMessage })` consumers. */
export function kafkajsClient(brokers: readonly string[]): BenchClient {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [...brokers], logLevel: logLevel.NOTHING });
  return {
    name: 'kafkajs 2.2.4',
    async producer() {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return {
        async send(topic, records) {
          await producer.send({
            topic,
            acks: -1,
            messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition })),
          });
        },
        close: () => producer.disconnect(),
      };
    },
    async consumer(options): Promise<BenchConsumer> {
      const consumer = kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: GROUP_SETTINGS.sessionTimeoutMs,
        rebalanceTimeout: GROUP_SETTINGS.rebalanceTimeoutMs,
        heartbeatInterval: GROUP_SETTINGS.heartbeatIntervalMs,
      });
      const joined = new Promise<void>((resolve) => {
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          options.onAssigned?.(event.payload.memberAssignment[options.topic] ?? []);
          resolve();
        });
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: !options.commitEachRecord,
        eachMessage: async ({ topic, partition, message }) => {
          await options.onRecord({
            key: message.key?.toString() ?? '',
            value: message.value ?? Buffer.alloc(0),
            partition,
          });
          if (options.commitEachRecord) {
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
          }
        },
      });
      await joined;
      return { close: () => consumer.disconnect() };
    },
  };
}
