import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  deadLetterTopicName,
  KH,
  retryTopicName,
  rewrite,
  toDeadLetter,
  toDelivered,
  toKafkaMessage,
} from '../src/kafka/kafka-codec.js';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import { prepareMessage } from '../src/messages/envelope.js';

// No Kafka broker runs on this machine: these tests cover what needs none (encoding, validation,
// failure when unreachable). The transport contract against a broker runs where one exists.

const rules = { schemas: new Map(), maxMessageBytes: 1024, defaultMaxRetries: 3 };

function asRecord(message: ReturnType<typeof toKafkaMessage>, offset = '7'): KafkaMessage {
  return {
    key: typeof message.key === 'string' ? Buffer.from(message.key) : (message.key ?? null),
    value: message.value as Buffer,
    headers: message.headers,
    timestamp: message.timestamp!,
    attributes: 0,
    offset,
    size: 0,
  } as KafkaMessage;
}

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
    const delivered = toDelivered(asRecord(toKafkaMessage(prepared)), 'investigation-created', 'projector');
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
    const record = asRecord(toKafkaMessage(prepared));
    const retry = rewrite(record, { [KH.attempt]: '2', [KH.retryAt]: '123' });
    expect(retry.key).toEqual(Buffer.from('k'));
    expect(retry.value).toEqual(record.value);
    expect(retry.headers![KH.attempt]).toBe('2');
    expect(retry.headers![KH.retryAt]).toBe('123');
    const dead = rewrite(asRecord(retry as never), {
      [KH.retryAt]: undefined,
      [KH.reason]: 'max-retries-exceeded',
      [KH.lastError]: 'Error: boom',
      [KH.deadAt]: '5',
    });
    expect(dead.headers![KH.retryAt]).toBeUndefined();
    const letter = toDeadLetter(asRecord(dead as never), 't', 'g');
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
    const record = asRecord(toKafkaMessage(prepareMessage('t', { payload: 1 }, rules)));
    expect(() => toDelivered({ ...record, value: Buffer.from('{nope') }, 't', 'g')).toThrow(SyntaxError);
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
      kafka: { retry: { retries: 0 } },
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
