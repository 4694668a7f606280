import { Consumer, Producer } from '@platformatic/kafka';
import { type BenchClient, type BenchConsumer, GROUP_SETTINGS } from './bench-client.js';

/** @platformatic/kafka: an idempotent producer, a consumer's messages stream read in order. */
export function platformaticClient(brokers: readonly string[]): BenchClient {
  const base = { clientId: 'bench-platformatic', bootstrapBrokers: [...brokers] };
  return {
    name: '@platformatic/kafka 2.12.1',
    async producer() {
      // `idempotent` forces acks: all and one request in flight per connection.
      const producer = new Producer({ ...base, idempotent: true, acks: -1 });
      return {
        async send(topic, records) {
          await producer.send({
            messages: records.map((r) => ({
              topic,
              key: Buffer.from(r.key),
              value: r.value,
              partition: r.partition,
            })),
          });
        },
        close: () => producer.close(),
      };
    },
    async consumer(options): Promise<BenchConsumer> {
      const consumer = new Consumer({
        ...base,
        groupId: options.groupId,
        sessionTimeout: GROUP_SETTINGS.sessionTimeoutMs,
        rebalanceTimeout: GROUP_SETTINGS.rebalanceTimeoutMs,
        heartbeatInterval: GROUP_SETTINGS.heartbeatIntervalMs,
      });
      consumer.on('consumer:group:join', (payload) => {
        options.onAssigned?.(payload.assignments?.find((a) => a.topic === options.topic)?.partitions ?? []);
      });
      // consume() joins the group before it resolves.
      const stream = await consumer.consume({
        topics: [options.topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: !options.commitEachRecord,
      });
      const loop = (async () => {
        for await (const message of stream) {
          await options.onRecord({
            key: message.key?.toString() ?? '',
            value: message.value ?? Buffer.alloc(0),
            partition: message.partition,
          });
          if (options.commitEachRecord) await message.commit();
        }
      })();
      return {
        async close() {
          await stream.close();
          await loop.catch(() => {});
          await consumer.close();
        },
      };
    },
  };
}
