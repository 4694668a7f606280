import type { Consumer, Kafka, Producer } from 'kafkajs';
import { prepareMessage } from '../messages/envelope.js';
import type { DeliveredMessage, OutgoingMessage } from '../messages/message.js';
import type { ResolvedTransportOptions } from '../transport/transport-options.js';
import { kafkaGroupId, toDelivered, toKafkaMessage } from './kafka-codec.js';

/** Maps one input message to the messages to produce (possibly none). */
export type TransformFn = (
  message: DeliveredMessage,
) => Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[];

/**
 * Consume-transform-produce in Kafka transactions: for each input record, the outputs and the
 * input offset are sent in one transaction (`sendOffsets`), so the outputs become visible to
 * `read_committed` consumers exactly when the input is marked consumed. A failure aborts the
 * transaction and kafkajs hands the record again.
 */
export class KafkaTransformer {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly input: string,
    private readonly output: string,
    private readonly group: string,
    private readonly transactionalId: string,
    private readonly fn: TransformFn,
    private readonly options: ResolvedTransportOptions,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: kafkaGroupId(this.input, this.group),
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.input], fromBeginning: true });
    const producer = this.producer;
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const outputs = await this.fn(toDelivered(message, topic, this.group));
        const records = outputs.map((o) =>
          toKafkaMessage(prepareMessage(this.output, o, this.options.envelope)),
        );
        const tx = await producer.transaction();
        try {
          if (records.length > 0) await tx.send({ topic: this.output, acks: -1, messages: records });
          await tx.sendOffsets({
            consumerGroupId: kafkaGroupId(this.input, this.group),
            topics: [
              { topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] },
            ],
          });
          await tx.commit();
        } catch (error) {
          await tx.abort().catch(() => {});
          throw error;
        }
      },
    });
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }
}
