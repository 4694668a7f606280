import { CompressionTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../src/index.js';
import { collect, fastGroup, kafkaFor, type Received } from './helpers/kafka-client.js';

describe('kafkajs producer, consumer and admin against the test broker', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ topics: [{ name: 'preexisting', partitions: 2 }] });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('creates, lists, describes and deletes topics through the admin client', async () => {
    const admin = kafkaFor(broker).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'admin-made', numPartitions: 3 }] })).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic: 'admin-made', numPartitions: 3 }] })).toBe(false);
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['admin-made', 'preexisting']));
      const { topics } = await admin.fetchTopicMetadata({ topics: ['admin-made'] });
      expect(topics[0]?.partitions.map((p) => [p.partitionId, p.leader]).sort()).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
      await admin.createPartitions({ topicPartitions: [{ topic: 'admin-made', count: 5 }] });
      expect(broker.topicNames()).toContain('admin-made');
      const grown = await admin.fetchTopicMetadata({ topics: ['admin-made'] });
      expect(grown.topics[0]?.partitions).toHaveLength(5);
      await expect(
        admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3 }] }),
      ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })] });
      await admin.deleteTopics({ topics: ['admin-made'] });
      expect(await admin.listTopics()).not.toContain('admin-made');
    } finally {
      await admin.disconnect();
    }
  });

  it('delivers gzip-compressed messages with keys, values and headers, and reports offsets', async () => {
    const kafka = kafkaFor(broker);
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'gzip-group', ...fastGroup });
    await producer.connect();
    await consumer.connect();
    try {
      const [sent] = await producer.send({
        topic: 'gzipped',
        compression: CompressionTypes.GZIP,
        messages: [
          { key: 'k', value: 'first', headers: { trace: 'abc' } },
          { key: 'k', value: 'second' },
        ],
      });
      expect(sent).toMatchObject({ errorCode: 0, baseOffset: '0' });
      const stored = broker.records('gzipped', 0);
      expect(stored.map((r) => r.value?.toString())).toEqual(['first', 'second']);
      expect(stored[0]?.headers).toEqual([{ key: 'trace', value: Buffer.from('abc') }]);

      await consumer.subscribe({ topic: 'gzipped', fromBeginning: true });
      const received = await collect(consumer, 2);
      expect(received.map((m) => [m.offset, m.key, m.value])).toEqual([
        ['0', 'k', 'first'],
        ['1', 'k', 'second'],
      ]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('keeps messages with the same key in one partition, in the order they were sent', async () => {
    const kafka = kafkaFor(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keyed', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    for (let round = 0; round < 8; round++) {
      await producer.send({
        topic: 'keyed',
        messages: keys.map((key) => ({ key, value: `${key}-${round}` })),
      });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'keyed-group', ...fastGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: 'keyed', fromBeginning: true });
    const received = await collect(consumer, keys.length * 8);
    await consumer.disconnect();
    for (const key of keys) {
      const mine = received.filter((m) => m.key === key);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => m.value)).toEqual(Array.from({ length: 8 }, (_, round) => `${key}-${round}`));
    }
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
  });

  it('answers a long-polling fetch when data arrives, and ListOffsets by time and position', async () => {
    const kafka = kafkaFor(broker);
    const consumer = kafka.consumer({ groupId: 'late-group', ...fastGroup, maxWaitTimeInMs: 5_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'preexisting' });
    const received: Received[] = [];
    const done = collect(consumer, 1, received);
    await new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    const producer = kafka.producer();
    await producer.connect();
    const before = Date.now();
    await producer.send({ topic: 'preexisting', messages: [{ key: 'x', value: 'late', partition: 1 }] });
    await done;
    expect(received[0]).toMatchObject({ partition: 1, value: 'late' });
    await consumer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('preexisting');
    expect(offsets.find((o) => o.partition === 1)).toMatchObject({ low: '0', high: '1', offset: '1' });
    const byTime = await admin.fetchTopicOffsetsByTimestamp('preexisting', before - 1_000);
    expect(byTime.find((o) => o.partition === 1)?.offset).toBe('0');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('keeps committed offsets when a consumer restarts in the same group', async () => {
    const kafka = kafkaFor(broker);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'restart', messages: ['a', 'b', 'c'].map((value) => ({ value })) });

    const first = kafka.consumer({ groupId: 'restart-group', ...fastGroup });
    await first.connect();
    await first.subscribe({ topic: 'restart', fromBeginning: true });
    expect((await collect(first, 3)).map((m) => m.value)).toEqual(['a', 'b', 'c']);
    await first.disconnect(); // commits what it processed, then leaves
    expect(broker.committedOffset('restart-group', 'restart', 0)).toBe(3n);

    await producer.send({ topic: 'restart', messages: ['d', 'e'].map((value) => ({ value })) });
    const second = kafka.consumer({ groupId: 'restart-group', ...fastGroup });
    await second.connect();
    await second.subscribe({ topic: 'restart', fromBeginning: true });
    expect((await collect(second, 2)).map((m) => m.value)).toEqual(['d', 'e']);
    await second.disconnect();
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'restart-group', topics: ['restart'] });
    expect(committed?.partitions).toEqual([{ partition: 0, offset: '5', metadata: null }]);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain('restart-group');
    await admin.deleteGroups(['restart-group']);
    await admin.disconnect();
    expect(broker.group('restart-group')).toBeUndefined();
  });
});
