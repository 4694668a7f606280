import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { DeadLetter } from '../messages/message.js';
import { deadLetterTopicName, headerText, KH, retryTopicName, rewrite, toDeadLetter } from './kafka-codec.js';

interface Entry {
  readonly id: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Kafka cannot delete one record, so the dead-letter topic is read as a log: every dead letter,
 * minus those followed by a "replayed" marker record with their id. Reading it scans from the
 * start to the high watermarks with a throwaway consumer group (deleted afterwards). A replay
 * writes the chosen records to the group's retry topic, due at once, attempt reset to 1, then
 * appends their markers.
 */
export class KafkaDeadLetters {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
    private readonly producer: () => Promise<Producer>,
    private readonly scanTimeoutMs: number,
  ) {}

  async list(topic: string, group: string, limit: number): Promise<DeadLetter[]> {
    const entries = await this.pending(topic, group);
    return entries.slice(0, limit).map((e) => toDeadLetter(e.message, topic, group));
  }

  async replay(topic: string, group: string, ids: readonly string[] | undefined): Promise<number> {
    const entries = await this.pending(topic, group);
    const wanted = ids ? new Set(ids) : undefined;
    if (wanted) {
      const present = new Set(entries.map((e) => e.id));
      for (const id of wanted) {
        if (!present.has(id)) {
          throw new IntelGraphError(
            'DEAD_LETTER_NOT_FOUND',
            `no dead letter '${id}' in ${deadLetterTopicName(topic, group)}`,
            {
              input: id,
            },
          );
        }
      }
    }
    const chosen = entries.filter((e) => !wanted || wanted.has(e.id));
    if (chosen.length === 0) return 0;
    const producer = await this.producer();
    await producer.send({
      topic: retryTopicName(topic, group),
      acks: -1,
      messages: chosen.map((e) =>
        rewrite(e.message, {
          [KH.attempt]: '1',
          [KH.retryAt]: undefined,
          [KH.reason]: undefined,
          [KH.lastError]: undefined,
          [KH.deadAt]: undefined,
        }),
      ),
    });
    await producer.send({
      topic: deadLetterTopicName(topic, group),
      acks: -1,
      // The marker goes to its dead letter's own partition: only there does Kafka order the two,
      // so a reader always meets the dead letter before the marker that cancels it (a keyless
      // marker could land on another partition and be read first, leaving the letter listed).
      messages: chosen.map((e) => ({
        key: e.message.key,
        value: null,
        partition: e.partition,
        headers: { [KH.replayed]: e.id },
      })),
    });
    return chosen.length;
  }

  /** Dead letters not yet replayed, oldest first (by record timestamp across partitions). */
  private async pending(topic: string, group: string): Promise<Entry[]> {
    const dlq = deadLetterTopicName(topic, group);
    const admin = await this.admin();
    const existing = await admin.listTopics();
    if (!existing.includes(dlq)) return [];
    const offsets = await admin.fetchTopicOffsets(dlq);
    const remaining = new Map(
      offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, BigInt(o.high)]),
    );
    if (remaining.size === 0) return [];
    const records: Array<{ partition: number; message: KafkaMessage }> = [];
    const readerGroup = `${group}.dlq-reader.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId: readerGroup, allowAutoTopicCreation: false });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [dlq], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${dlq} took over ${this.scanTimeoutMs} ms`)),
          this.scanTimeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const high = remaining.get(partition);
              if (high === undefined) return;
              if (BigInt(message.offset) < high) records.push({ partition, message });
              if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([readerGroup]).catch(() => {});
    }
    const entries: Entry[] = [];
    for (const { partition, message } of records) {
      const replayed = headerText(message.headers, KH.replayed);
      if (replayed !== undefined) {
        // Records of one partition arrive in offset order, so the letter precedes its marker.
        const at = entries.findIndex((e) => e.id === replayed && e.partition === partition);
        if (at >= 0) entries.splice(at, 1);
        continue;
      }
      entries.push({
        id: headerText(message.headers, KH.id) ?? `${dlq}-${partition}-${message.offset}`,
        partition,
        message,
      });
    }
    return entries.sort((a, b) => Number(a.message.timestamp) - Number(b.message.timestamp));
  }
}
