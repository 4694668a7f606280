import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, encodeRecordBatch, startTestBroker, type TestBroker } from '../src/index.js';
import { Writer } from '../src/protocol/writer.js';
import { collect, eventually, fastGroup, kafkaFor, type Received } from './helpers/kafka-client.js';
import { produceBody, RawClient, readProduceResponse } from './helpers/raw-client.js';

describe('fault hooks', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ topics: [{ name: 'faulty', partitions: 2 }] });
  });
  afterEach(() => broker.faults.clear());
  afterAll(async () => {
    await broker.stop();
  });

  it('reports a leaderless partition and holds produces to it until the leader is back', async () => {
    broker.faults.makeLeaderUnavailable('faulty', 0);
    const raw = await RawClient.open(broker.port);
    try {
      const produced = readProduceResponse(
        await raw.request(
          ApiKey.Produce,
          7,
          produceBody('faulty', 0, encodeRecordBatch({ records: [{ value: Buffer.from('x') }] })),
        ),
      );
      expect(produced.errorCode).toBe(ErrorCode.NOT_LEADER_FOR_PARTITION);

      const metadata = await raw.request(
        ApiKey.Metadata,
        6,
        new Writer().array(['faulty'], (w, t) => w.string(t)).bool(false),
      );
      metadata.int32();
      metadata.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
      metadata.nullableString();
      metadata.int32();
      const [topic] = metadata.array((r) => ({
        errorCode: r.int16(),
        name: r.string(),
        internal: r.bool(),
        partitions: r.array((p) => {
          const partition = { errorCode: p.int16(), id: p.int32(), leader: p.int32() };
          p.array((x) => x.int32());
          p.array((x) => x.int32());
          p.array((x) => x.int32());
          return partition;
        }),
      }));
      expect(topic?.partitions).toEqual([
        { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, id: 0, leader: -1 },
        { errorCode: ErrorCode.NONE, id: 1, leader: 1 },
      ]);
    } finally {
      raw.close();
    }

    const producer = kafkaFor(broker, 20).producer();
    await producer.connect();
    try {
      const sending = producer.send({ topic: 'faulty', messages: [{ partition: 0, value: 'waited' }] });
      await sleep(300);
      expect(broker.records('faulty', 0)).toHaveLength(0);
      broker.faults.restoreLeader('faulty', 0);
      await sending;
      expect(broker.records('faulty', 0).map((r) => r.value?.toString())).toEqual(['waited']);
    } finally {
      await producer.disconnect();
    }
  });

  it('lets a consumer carry on from where it was once a lost leader comes back', async () => {
    const kafka = kafkaFor(broker, 20);
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'leaderless-reader', ...fastGroup });
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'outage', fromBeginning: true });
      const received: Received[] = [];
      void collect(consumer, Number.POSITIVE_INFINITY, received);
      await producer.send({ topic: 'outage', messages: [{ partition: 0, value: 'before-outage' }] });
      await eventually(() => received.some((m) => m.value === 'before-outage'), 'first message');
      broker.faults.makeLeaderUnavailable('outage', 0);
      await sleep(300); // fetches now fail with NOT_LEADER_FOR_PARTITION and kafkajs keeps retrying
      broker.faults.restoreLeader('outage', 0);
      await producer.send({ topic: 'outage', messages: [{ partition: 0, value: 'after-outage' }] });
      await eventually(() => received.some((m) => m.value === 'after-outage'), 'message after the outage');
      const values = received.filter((m) => m.partition === 0).map((m) => m.value);
      expect(values.filter((v) => v === 'before-outage')).toHaveLength(1);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('delays responses past the client request timeout, and stops delaying when undone', async () => {
    const kafka = new Kafka({
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: 200,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const undo = broker.faults.delayResponses(600, ApiKey.ListOffsets);
      await expect(admin.fetchTopicOffsets('faulty')).rejects.toThrow(/timed out/i);
      undo();
      expect(await admin.fetchTopicOffsets('faulty')).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('drops every open connection, and clients reconnect', async () => {
    const producer = kafkaFor(broker).producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'faulty', messages: [{ partition: 1, value: 'one' }] });
      expect(broker.faults.dropConnections()).toBeGreaterThan(0);
      await producer.send({ topic: 'faulty', messages: [{ partition: 1, value: 'two' }] });
      expect(broker.records('faulty', 1).map((r) => r.value?.toString())).toEqual(['one', 'two']);
    } finally {
      await producer.disconnect();
    }
  });
});

describe('protocol errors', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('answers ApiVersions at an unsupported version with UNSUPPORTED_VERSION and the served ranges', async () => {
    const raw = await RawClient.open(broker.port);
    try {
      const response = await raw.request(ApiKey.ApiVersions, 9);
      expect(response.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
      const ranges = response.array((r) => [r.int16(), r.int16(), r.int16()]);
      expect(ranges).toContainEqual([ApiKey.Fetch, 11, 11]);
      expect(ranges).toContainEqual([ApiKey.Produce, 3, 7]);
    } finally {
      raw.close();
    }
  });

  it('answers an unknown API key or version with UNSUPPORTED_VERSION instead of hanging', async () => {
    const raw = await RawClient.open(broker.port);
    try {
      expect((await raw.request(99, 0)).int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect((await raw.request(ApiKey.Fetch, 4)).int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
      // The connection stays usable.
      const versions = await raw.request(ApiKey.ApiVersions, 2);
      expect(versions.int16()).toBe(ErrorCode.NONE);
    } finally {
      raw.close();
    }
  });

  it('makes kafkajs fail fast on an API the broker does not serve', async () => {
    const admin = kafkaFor(broker).admin();
    await admin.connect();
    try {
      await expect(
        admin.describeConfigs({ resources: [{ type: 2, name: 'x' }], includeSynonyms: false }),
      ).rejects.toThrow(/does not support the requested API version/);
    } finally {
      await admin.disconnect();
    }
  });

  it('closes the connection on a request body that does not decode', async () => {
    const raw = await RawClient.open(broker.port);
    await expect(raw.request(ApiKey.CreateTopics, 3, new Writer().int32(5))).rejects.toThrow(/closed/);
  });

  it('auto-creates a topic Metadata asks for, but refuses an illegal name with INVALID_TOPIC_EXCEPTION', async () => {
    const raw = await RawClient.open(broker.port);
    try {
      const response = await raw.request(
        ApiKey.Metadata,
        6,
        new Writer().array(['made-on-demand', 'no spaces allowed'], (w, t) => w.string(t)).bool(true),
      );
      response.int32();
      response.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
      response.nullableString();
      response.int32();
      const topics = response.array((r) => {
        const topic = { errorCode: r.int16(), name: r.string() };
        r.bool();
        r.array((p) => {
          p.int16();
          p.int32();
          p.int32();
          p.array((x) => x.int32());
          p.array((x) => x.int32());
          p.array((x) => x.int32());
        });
        return topic;
      });
      expect(topics).toEqual([
        { errorCode: ErrorCode.NONE, name: 'made-on-demand' },
        { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: 'no spaces allowed' },
      ]);
      expect(broker.topicNames()).toContain('made-on-demand');
    } finally {
      raw.close();
    }
  });

  it('refuses a batch with a bad CRC with CORRUPT_MESSAGE and stores nothing', async () => {
    broker.createTopic('crc-checked');
    const batch = encodeRecordBatch({ records: [{ value: Buffer.from('payload') }] });
    batch[batch.length - 1] = (batch[batch.length - 1] as number) ^ 0x01;
    const raw = await RawClient.open(broker.port);
    try {
      const response = readProduceResponse(
        await raw.request(ApiKey.Produce, 7, produceBody('crc-checked', 0, batch)),
      );
      expect(response).toEqual({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1n });
      expect(broker.records('crc-checked', 0)).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it('rejects invalid options with CONFIG_INVALID naming the field', async () => {
    await expect(startTestBroker({ port: 70_000 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('port=70000'),
    });
    await expect(startTestBroker({ defaultPartitions: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(startTestBroker({ port: broker.port })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  });
});
