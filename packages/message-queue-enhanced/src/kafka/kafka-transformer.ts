import { prepareMessage } from '../messages/envelope.js';
import type { DeliveredMessage, OutgoingMessage } from '../messages/message.js';
import { retryDelay } from '../transport/retry-policy.js';
import type { ResolvedTransportOptions } from '../transport/transport-options.js';
import {
  createConsumer,
  createProducer,
  type KafkaConnection,
  type KafkaConsumerClient,
  type KafkaMessagesStream,
  type KafkaProducer,
} from './kafka-clients.js';
import { type ConsumedRecord, kafkaGroupId, toDelivered, toKafkaRecord } from './kafka-codec.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Maps one input message to the messages to produce (possibly none). */
export type TransformFn = (
  message: DeliveredMessage,
) => Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[];

export interface KafkaTransformerSettings {
  readonly connection: KafkaConnection;
  readonly input: string;
  readonly output: string;
  readonly group: string;
  readonly transactionalId: string;
  readonly sessionTimeoutMs: number;
  readonly joinTimeoutMs: number;
  readonly producerRetries: number;
}

/**
 * Consume-transform-produce in Kafka transactions: for each input record, the outputs and the
 * input offset (`addOffset`, the transactional offset commit) are sent in one transaction, so the
 * outputs become visible to `read_committed` consumers exactly when the input is marked consumed.
 * Records are transformed one at a time, in order. A failure aborts the transaction and the same
 * record is transformed again after a backoff (the transport's retry policy), until it succeeds.
 */
export class KafkaTransformer {
  private consumer: KafkaConsumerClient | undefined;
  private producer: KafkaProducer | undefined;
  private stream: KafkaMessagesStream | undefined;
  private loop: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly settings: KafkaTransformerSettings,
    private readonly fn: TransformFn,
    private readonly options: ResolvedTransportOptions,
  ) {}

  async start(): Promise<void> {
    this.producer = createProducer(this.settings.connection, {
      retries: this.settings.producerRetries,
      transactionalId: this.settings.transactionalId,
    });
    await this.connect();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.stream?.close().catch(() => {});
    for (let loop: Promise<void> | undefined; loop !== this.loop; ) {
      loop = this.loop;
      await loop;
    }
    await this.consumer?.close().catch(() => this.consumer?.close(true).catch(() => {}));
    await this.producer?.close().catch(() => {});
  }

  private async connect(): Promise<void> {
    const { connection, input, group } = this.settings;
    const consumer = createConsumer(connection, {
      groupId: kafkaGroupId(input, group),
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      rebalanceTimeoutMs: this.settings.joinTimeoutMs,
    });
    this.consumer = consumer;
    consumer.on('error', () => {}); // a failed re-join ends the stream: see consume()
    // The consumer reads committed data only (the default isolation level): it never sees the
    // outputs of an aborted transaction of another transformer upstream.
    const stream = await consumer.consume({
      topics: [input],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.stream = stream;
    if (this.closing) return; // close() closes this consumer and its stream
    this.loop = this.consume(stream).then(() => this.reconnect(consumer));
  }

  /** Records one at a time; a failed transform is retried (same record) until it succeeds. */
  private async consume(stream: KafkaMessagesStream): Promise<void> {
    try {
      for await (const record of stream as AsyncIterable<ConsumedRecord>) {
        for (let attempt = 1; !this.closing; attempt++) {
          try {
            await this.transform(record);
            break;
          } catch {
            await sleep(retryDelay(this.options.retry, Math.min(attempt, 10)));
          }
        }
        if (this.closing) return;
      }
    } catch {
      // The stream failed (the client left the group, the brokers went away): see reconnect().
    }
  }

  /** The stream ended without close(): a new consumer, after a pause, until one starts. */
  private async reconnect(consumer: KafkaConsumerClient): Promise<void> {
    await this.stream?.close().catch(() => {});
    await consumer.close().catch(() => consumer.close(true).catch(() => {}));
    for (let attempt = 1; !this.closing; attempt++) {
      await sleep(Math.min(10_000, 500 * attempt));
      if (this.closing) return;
      try {
        await this.connect();
        return;
      } catch {
        // Brokers still unreachable: try again.
      }
    }
  }

  private async transform(record: ConsumedRecord): Promise<void> {
    const producer = this.producer!;
    const outputs = await this.fn(toDelivered(record, record.topic, this.settings.group));
    const records = outputs.map((o) =>
      toKafkaRecord(prepareMessage(this.settings.output, o, this.options.envelope)),
    );
    const tx = await producer.beginTransaction();
    try {
      if (records.length > 0) await tx.send({ messages: records });
      await tx.addConsumer(this.consumer!);
      await tx.addOffset(record);
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => {});
      throw error;
    }
  }
}
