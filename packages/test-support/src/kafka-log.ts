import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { serviceUrls } from './service-urls.js';

/**
 * What the real broker holds, read with a second, independent client (kafkajs) used only as an
 * oracle: the records of a topic from its start to its high watermarks, the offsets a group has
 * committed, the topics that exist. The transport under test never reads its own writes here.
 */
export interface LoggedRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface KafkaLog {
  readonly brokers: readonly string[];
  records(topic: string): Promise<LoggedRecord[]>;
  /** Sum over the topic's partitions of the offsets `groupId` (a Kafka group id) committed. */
  committedTotal(groupId: string, topic: string): Promise<bigint>;
  topicNames(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openKafkaLog(
  brokers: readonly string[] = serviceUrls().kafkaBrokers,
): Promise<KafkaLog> {
  const kafka = new Kafka({
    clientId: `kafka-log-${randomUUID().slice(0, 8)}`,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin: Admin = kafka.admin();
  await admin.connect();
  return {
    brokers,
    async records(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const remaining = new Map(
        offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
      );
      const out: LoggedRecord[] = [];
      if (remaining.size === 0) return out;
      const groupId = `kafka-log-reader-${randomUUID()}`;
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 20 s`)), 20_000);
          consumer
            .run({
              autoCommit: false,
              // By batch: a batch's lastOffset() counts the control records of transactions, which
              // are never delivered as messages but sit below the high watermark.
              eachBatch: async ({ batch }) => {
                const high = remaining.get(batch.partition);
                if (high === undefined) return;
                for (const message of batch.messages) {
                  const offset = BigInt(message.offset);
                  if (offset >= high) continue;
                  out.push({
                    partition: batch.partition,
                    offset,
                    key: message.key?.toString() ?? null,
                    value: message.value?.toString() ?? null,
                    headers: Object.fromEntries(
                      Object.entries(message.headers ?? {}).map(([k, v]) => [
                        k,
                        (Array.isArray(v) ? v[0] : v)?.toString() ?? '',
                      ]),
                    ),
                  });
                }
                if (BigInt(batch.lastOffset()) + 1n >= high) remaining.delete(batch.partition);
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
        await admin.deleteGroups([groupId]).catch(() => {});
      }
      return out.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
    },
    async committedTotal(groupId, topic) {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? []).reduce(
        (sum, p) => sum + (BigInt(p.offset) > 0n ? BigInt(p.offset) : 0n),
        0n,
      );
    },
    async topicNames() {
      return admin.listTopics();
    },
    async close() {
      await admin.disconnect();
    },
  };
}

/** Topic names unique to one test run: the broker keeps every earlier run's topics. */
export const uniqueTopic = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
