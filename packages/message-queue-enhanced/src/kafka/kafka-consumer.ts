import type { Gauge } from '@intelgraph/telemetry';
import type { Consumer, EachMessagePayload, Kafka, Message, Producer } from 'kafkajs';
import type { MessageHandler } from '../messages/message.js';
import { describeError, failureDisposition } from '../transport/failure-disposition.js';
import { type RetryPolicy, retryDelay } from '../transport/retry-policy.js';
import type { Subscription } from '../transport/transport.js';
import type { TransportMetrics } from '../transport/transport-metrics.js';
import {
  deadLetterTopicName,
  headerText,
  KH,
  kafkaGroupId,
  retryTopicName,
  rewrite,
  toDelivered,
} from './kafka-codec.js';

export interface KafkaConsumerDeps {
  readonly kafka: Kafka;
  readonly producer: () => Promise<Producer>;
  readonly metrics: TransportMetrics;
  readonly lag: Gauge<'transport' | 'topic' | 'group'>;
  readonly retry: RetryPolicy;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly joinTimeoutMs: number;
}

/**
 * One subscription = one kafkajs consumer in the group, reading the topic and the group's retry
 * topic. Offsets are committed by hand, one record at a time, only after the record is done with:
 * handled, or copied to the retry or dead-letter topic (`acks: all`). A crash in between hands the
 * record again (at least once). A retry record waits for its due time in the handler — with
 * heartbeats — holding back only its own retry-topic partition.
 */
export class KafkaConsumer implements Subscription {
  private consumer: Consumer | undefined;
  private closing = false;

  constructor(
    readonly topic: string,
    readonly group: string,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
    private readonly deps: KafkaConsumerDeps,
  ) {}

  async start(): Promise<void> {
    const retryTopic = retryTopicName(this.topic, this.group);
    const consumer = this.deps.kafka.consumer({
      groupId: kafkaGroupId(this.topic, this.group),
      allowAutoTopicCreation: false,
      sessionTimeout: this.deps.sessionTimeoutMs,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      if (event.payload.topic === this.topic) {
        this.deps.lag.set(
          { transport: 'kafka', topic: this.topic, group: this.group },
          Number(event.payload.offsetLag),
        );
      }
    });
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic, retryTopic], fromBeginning: this.deps.fromBeginning });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachMessage: (payload) => this.handle(payload),
    });
    await Promise.race([
      joined,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`no group join within ${this.deps.joinTimeoutMs} ms`)),
          this.deps.joinTimeoutMs,
        ).unref(),
      ),
    ]);
  }

  /** Graceful: kafkajs finishes the record in hand, commits nothing more, and leaves the group. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.consumer?.disconnect();
  }

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const labels = { transport: 'kafka', topic: this.topic, group: this.group };
    const retryAt = Number(headerText(message.headers, KH.retryAt) ?? 0);
    while (retryAt > Date.now()) {
      if (this.closing) return; // not committed: handed again after a restart
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, retryAt - Date.now())));
      await heartbeat();
    }
    let attempt = Number(headerText(message.headers, KH.attempt) ?? 1);
    let failure: unknown;
    let invalid: string | undefined;
    let delivered: ReturnType<typeof toDelivered> | undefined;
    try {
      delivered = toDelivered(message, topic, this.group);
      attempt = delivered.attempt;
    } catch (error) {
      failure = error;
      invalid = `undecodable value: ${describeError(error)}`;
    }
    if (delivered) {
      try {
        await this.handler(delivered);
      } catch (error) {
        failure = error;
      }
    }
    if (failure === undefined) {
      this.deps.metrics.consumed.inc(labels);
    } else {
      const maxRetries = Number(headerText(message.headers, KH.maxRetries) ?? 0);
      const disposition = invalid
        ? ({ action: 'dead-letter', reason: 'invalid-message', error: invalid } as const)
        : failureDisposition(failure, attempt, maxRetries);
      const producer = await this.deps.producer();
      if (disposition.action === 'retry') {
        const due = Date.now() + retryDelay(this.deps.retry, disposition.retry);
        await this.produce(
          producer,
          retryTopicName(this.topic, this.group),
          rewrite(message, {
            [KH.attempt]: String(attempt + 1),
            [KH.retryAt]: String(due),
          }),
        );
        this.deps.metrics.retried.inc(labels);
      } else {
        await this.produce(
          producer,
          deadLetterTopicName(this.topic, this.group),
          rewrite(message, {
            [KH.retryAt]: undefined,
            [KH.reason]: disposition.reason,
            [KH.lastError]: disposition.error,
            [KH.deadAt]: String(Date.now()),
          }),
        );
        this.deps.metrics.deadLettered.inc({ ...labels, reason: disposition.reason });
      }
    }
    await this.consumer!.commitOffsets([
      { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
    ]);
  }

  private async produce(producer: Producer, topic: string, message: Message): Promise<void> {
    await producer.send({ topic, acks: -1, messages: [message] });
  }
}
