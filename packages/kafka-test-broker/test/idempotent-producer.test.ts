import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, encodeRecordBatch, startTestBroker, type TestBroker } from '../src/index.js';
import { Writer } from '../src/protocol/writer.js';
import { collect, fastGroup, kafkaFor } from './helpers/kafka-client.js';
import { produceBody, RawClient, readProduceResponse } from './helpers/raw-client.js';

describe('idempotent producer', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('writes a send once when its acknowledgement is lost and kafkajs retries it', async () => {
    const kafka = kafkaFor(broker);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic: 'exactly-once', messages: [{ value: 'before' }] });
      broker.faults.dropAfterHandling(ApiKey.Produce);
      await producer.send({ topic: 'exactly-once', messages: [{ value: 'retried' }] });
      await producer.send({ topic: 'exactly-once', messages: [{ value: 'after' }] });
    } finally {
      await producer.disconnect();
    }
    expect(broker.records('exactly-once', 0).map((r) => r.value?.toString())).toEqual([
      'before',
      'retried',
      'after',
    ]);

    const consumer = kafka.consumer({ groupId: 'exactly-once-reader', ...fastGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: 'exactly-once', fromBeginning: true });
    const received = await collect(consumer, 3);
    await consumer.disconnect();
    expect(received.map((m) => [m.offset, m.value])).toEqual([
      ['0', 'before'],
      ['1', 'retried'],
      ['2', 'after'],
    ]);
  });

  it('shows the same lost acknowledgement duplicating a send without idempotence', async () => {
    const producer = kafkaFor(broker).producer({ idempotent: false });
    await producer.connect();
    try {
      broker.faults.dropAfterHandling(ApiKey.Produce);
      await producer.send({ topic: 'at-least-once', messages: [{ value: 'retried' }] });
    } finally {
      await producer.disconnect();
    }
    expect(broker.records('at-least-once', 0).map((r) => r.value?.toString())).toEqual([
      'retried',
      'retried',
    ]);
  });

  it('acknowledges a repeated batch with its first offset and refuses a gap in the sequence', async () => {
    broker.createTopic('sequenced');
    const raw = await RawClient.open(broker.port);
    try {
      const init = await raw.request(ApiKey.InitProducerId, 1, new Writer().string(null).int32(60_000));
      init.int32();
      expect(init.int16()).toBe(ErrorCode.NONE);
      const producerId = init.int64();
      const epoch = init.int16();
      const batch = (baseSequence: number, value: string) =>
        encodeRecordBatch({
          producerId,
          producerEpoch: epoch,
          baseSequence,
          records: [{ value: Buffer.from(value) }],
        });
      const send = async (b: Buffer) =>
        readProduceResponse(await raw.request(ApiKey.Produce, 7, produceBody('sequenced', 0, b)));

      expect(await send(batch(0, 'zero'))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
      expect(await send(batch(1, 'one'))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 1n });
      expect(await send(batch(1, 'one'))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 1n });
      expect((await send(batch(5, 'gap'))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(await send(batch(2, 'two'))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 2n });
      expect(broker.records('sequenced', 0).map((r) => r.value?.toString())).toEqual(['zero', 'one', 'two']);
    } finally {
      raw.close();
    }
  });
});
