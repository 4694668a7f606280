import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type { Admin } from '@platformatic/kafka';
import type { DeadLetter } from '../messages/message.js';
import { withDeadline } from '../transport/with-deadline.js';
import { createConsumer, type KafkaConnection, type KafkaProducer } from './kafka-clients.js';
import {
  type ConsumedRecord,
  deadLetterTopicName,
  headerText,
  KH,
  retryTopicName,
  rewrite,
  toDeadLetter,
} from './kafka-codec.js';

interface Entry {
  readonly id: string;
  readonly partition: number;
  readonly record: ConsumedRecord;
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
    private readonly connection: KafkaConnection,
    private readonly admin: () => Promise<Admin>,
    private readonly producer: () => Promise<KafkaProducer>,
    private readonly scanTimeoutMs: number,
  ) {}

  async list(topic: string, group: string, limit: number): Promise<DeadLetter[]> {
    const entries = await this.pending(topic, group);
    return entries.slice(0, limit).map((e) => toDeadLetter(e.record, topic, group));
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
            { input: id },
          );
        }
      }
    }
    const chosen = entries.filter((e) => !wanted || wanted.has(e.id));
    if (chosen.length === 0) return 0;
    const producer = await this.producer();
    await producer.send({
      messages: chosen.map((e) =>
        rewrite(e.record, retryTopicName(topic, group), {
          [KH.attempt]: '1',
          [KH.retryAt]: undefined,
          [KH.reason]: undefined,
          [KH.lastError]: undefined,
          [KH.deadAt]: undefined,
        }),
      ),
    });
    await producer.send({
      // The marker goes to its dead letter's own partition: only there does Kafka order the two,
      // so a reader always meets the dead letter before the marker that cancels it (a keyless
      // marker could land on another partition and be read first, leaving the letter listed).
      messages: chosen.map((e) => ({
        topic: deadLetterTopicName(topic, group),
        key: e.record.key ?? undefined,
        partition: e.partition,
        headers: new Map([[KH.replayed, e.id]]),
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
    const remaining = await this.nonEmptyPartitions(admin, dlq);
    if (remaining.size === 0) return [];
    const records: ConsumedRecord[] = [];
    const readerGroup = `${group}.dlq-reader.${randomUUID()}`;
    const consumer = createConsumer(this.connection, {
      groupId: readerGroup,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: this.scanTimeoutMs,
    });
    consumer.on('error', () => {});
    try {
      const stream = await consumer.consume({ topics: [dlq], mode: 'earliest', autocommit: false });
      try {
        await withDeadline(
          new Promise<void>((resolve, reject) => {
            stream.on('error', reject);
            stream.on('data', (record: ConsumedRecord) => {
              const high = remaining.get(record.partition);
              if (high === undefined) return;
              if (record.offset < high) records.push(record);
              if (record.offset + 1n >= high) remaining.delete(record.partition);
              if (remaining.size === 0) resolve();
            });
          }),
          this.scanTimeoutMs,
          `read of ${dlq} to its end`,
        );
      } finally {
        await stream.close().catch(() => {});
      }
    } finally {
      await consumer.close().catch(() => consumer.close(true).catch(() => {}));
      await admin.deleteGroups({ groups: [readerGroup] }).catch(() => {});
    }
    const entries: Entry[] = [];
    for (const record of records) {
      const replayed = headerText(record.headers, KH.replayed);
      if (replayed !== undefined) {
        // Records of one partition arrive in offset order, so the letter precedes its marker.
        const at = entries.findIndex((e) => e.id === replayed && e.partition === record.partition);
        if (at >= 0) entries.splice(at, 1);
        continue;
      }
      entries.push({
        id: headerText(record.headers, KH.id) ?? `${dlq}-${record.partition}-${record.offset}`,
        partition: record.partition,
        record,
      });
    }
    return entries.sort((a, b) => Number(a.record.timestamp - b.record.timestamp));
  }

  /** High watermark of each partition that holds records (low < high). */
  private async nonEmptyPartitions(admin: Admin, topic: string): Promise<Map<number, bigint>> {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const at = async (timestamp: bigint) => {
      const [listed] = await admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: count }, (_, p) => ({ partitionIndex: p, timestamp })),
          },
        ],
      });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
    };
    const [low, high] = await Promise.all([at(-2n), at(-1n)]);
    return new Map([...high].filter(([p, h]) => h > (low.get(p) ?? 0n)));
  }
}
