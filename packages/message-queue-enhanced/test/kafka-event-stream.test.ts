import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keyPartitioner } from '../src/kafka/kafka-clients.js';
import {
  deadLetterTopicName,
  KH,
  type OutgoingRecord,
  type RecordContent,
  retryTopicName,
  rewrite,
  toDeadLetter,
  toDelivered,
  toKafkaRecord,
} from '../src/kafka/kafka-codec.js';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import { prepareMessage } from '../src/messages/envelope.js';

// What needs no broker: encoding, validation, failure when unreachable. The transport contract
// and the retry/DLQ/transform topics run against the real broker (the *.int.test.ts files).

const rules = { schemas: new Map(), maxMessageBytes: 1024, defaultMaxRetries: 3 };

/** A sent record as a consumer reads it back (header maps as the string deserializers make them). */
function asRecord(record: OutgoingRecord, offset = 7n): RecordContent {
  return {
    key: record.key as Buffer,
    value: record.value as Buffer,
    headers: new Map(record.headers instanceof Map ? record.headers : Object.entries(record.headers ?? {})),
    timestamp: record.timestamp ?? 0n,
    offset,
  };
}
const header = (record: OutgoingRecord, name: string) =>
  record.headers instanceof Map ? record.headers.get(name) : record.headers?.[name];

describe('Kafka record encoding', () => {
  it('carries id, type, key, headers, priority and retry budget through a record', () => {
    const prepared = prepareMessage(
      'investigation-created',
      {
        id: 'e-1',
        type: 'InvestigationCreated',
        key: 'inv-9',
        headers: { 'trace-id': 't' },
        payload: { title: 'x' },
        priority: 'critical',
        maxRetries: 5,
        timestamp: 1_700_000_000_000,
      },
      rules,
    );
    const delivered = toDelivered(asRecord(toKafkaRecord(prepared)), 'investigation-created', 'projector');
    expect(delivered).toEqual({
      id: 'e-1',
      topic: 'investigation-created',
      type: 'InvestigationCreated',
      payload: { title: 'x' },
      key: 'inv-9',
      headers: { 'trace-id': 't' },
      priority: 'critical',
      attempt: 1,
      maxRetries: 5,
      timestamp: 1_700_000_000_000,
      group: 'projector',
    });
  });

  it('rewrites headers for a retry and a dead letter without touching key or value', () => {
    const prepared = prepareMessage('t', { id: 'e-2', key: 'k', payload: { a: 1 } }, rules);
    const record = asRecord(toKafkaRecord(prepared));
    const retry = rewrite(record, 't.retry.g', { [KH.attempt]: '2', [KH.retryAt]: '123' });
    expect(retry.topic).toBe('t.retry.g');
    expect(retry.key).toEqual(Buffer.from('k'));
    expect(retry.value).toEqual(record.value);
    expect(header(retry, KH.attempt)).toBe('2');
    expect(header(retry, KH.retryAt)).toBe('123');
    const dead = rewrite(asRecord(retry), 't.dlq.g', {
      [KH.retryAt]: undefined,
      [KH.reason]: 'max-retries-exceeded',
      [KH.lastError]: 'Error: boom',
      [KH.deadAt]: '5',
    });
    expect(header(dead, KH.retryAt)).toBeUndefined();
    const letter = toDeadLetter(asRecord(dead), 't', 'g');
    expect(letter).toMatchObject({
      reason: 'max-retries-exceeded',
      lastError: 'Error: boom',
      deadLetteredAt: 5,
      message: { id: 'e-2', attempt: 2, payload: { a: 1 } },
    });
  });

  it('names retry and dead-letter topics per group', () => {
    expect(retryTopicName('orders', 'billing')).toBe('orders.retry.billing');
    expect(deadLetterTopicName('orders', 'billing')).toBe('orders.dlq.billing');
  });

  it('refuses a record whose value is not JSON at decode (the consumer dead-letters it)', () => {
    const record = asRecord(toKafkaRecord(prepareMessage('t', { payload: 1 }, rules)));
    expect(() => toDelivered({ ...record, value: Buffer.from('{nope') }, 't', 'g')).toThrow(SyntaxError);
  });
});

describe('Kafka partitioning', () => {
  it('puts a key on the partition kafkajs (and the Java client) chose for it', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitioner = keyPartitioner();
    for (const count of [1, 3, 7, 12]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
        partitionId,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      }));
      for (let i = 0; i < 500; i++) {
        const key = `aggregate-${i}`;
        const ours = partitioner({ topic: 't', key: Buffer.from(key) }, Buffer.from(key), {
          metadata: undefined,
        });
        expect(ours % count).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });

  it('spreads records without a key over the partitions', () => {
    const partitioner = keyPartitioner();
    const chosen = Array.from(
      { length: 6 },
      () => partitioner({ topic: 't' }, undefined, { metadata: undefined }) % 3,
    );
    expect(new Set(chosen)).toEqual(new Set([0, 1, 2]));
  });
});

describe('KafkaEventStream without a broker', () => {
  const unreachable = () =>
    new KafkaEventStream({
      clientId: 'test',
      brokers: ['127.0.0.1:1'],
      groupId: 'g',
      schemas: { 'order-placed': z.object({ orderId: z.string() }) },
      maxMessageBytes: 1024,
      connectionTimeoutMs: 200,
      kafka: { retries: 0 },
    });

  it('validates its options', () => {
    expect(() => new KafkaEventStream({ clientId: '', brokers: ['k:9092'] })).toThrow(/clientId/);
    expect(() => new KafkaEventStream({ clientId: 'x', brokers: [] })).toThrow(/brokers/);
    expect(() => new KafkaEventStream({ clientId: 'x', brokers: ['no-port'] })).toThrow(/brokers/);
    expect(() => new KafkaEventStream({ clientId: 'x', brokers: ['k:9092'], numPartitions: 0 })).toThrow(
      /numPartitions/,
    );
  });

  it('refuses bad and oversize payloads before touching the network', async () => {
    const kafka = unreachable();
    await expect(kafka.publish('order-placed', { payload: { orderId: 7 } })).rejects.toMatchObject({
      code: 'MESSAGE_INVALID',
    });
    await expect(kafka.publish('t', { payload: 'x'.repeat(2000) })).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
    await kafka.close();
  });

  it('fails with TRANSPORT_UNAVAILABLE when no broker answers, and TRANSPORT_CLOSED once closed', async () => {
    const kafka = unreachable();
    await expect(kafka.publish('t', { payload: {} })).rejects.toMatchObject({
      code: 'TRANSPORT_UNAVAILABLE',
    });
    await kafka.close();
    await expect(kafka.publish('t', { payload: {} })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(kafka.subscribe('t', () => {})).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
