import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  type KafkaLog,
  openKafkaLog,
  serviceUrls,
  startKafkaFaultProxy,
  type TestDatabase,
  uniqueTopic,
  waitFor,
} from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

/**
 * The outbox relay publishing to Kafka: events appended to the PostgreSQL store go through the
 * outbox and KafkaEventStream to the real Apache Kafka broker (TEST_KAFKA_BROKERS), and on to a
 * consumer group. What the broker holds is read back with an independent client.
 */
let db: TestDatabase;
let pool: pg.Pool;
let log: KafkaLog;

beforeAll(async () => {
  db = await createTestDatabase('mqe_kafka_relay');
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  log = await openKafkaLog();
});

afterAll(async () => {
  await log?.close();
  await pool?.end();
  await db?.drop();
});

const streamFor = (clientId: string, brokers: readonly string[] = serviceUrls().kafkaBrokers) =>
  new KafkaEventStream({ clientId, brokers, sessionTimeoutMs: 10_000 });

const newEvent = (aggregateId: string, version: number) => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Ledger',
  eventType: 'amount-added',
  data: { amount: version * 10 },
  version,
});

const waitUntil = waitFor;

describe('OutboxRelay → KafkaEventStream → Apache Kafka', () => {
  it('publishes every outbox row to Kafka keyed by aggregate, in per-aggregate order, and marks it sent', async () => {
    const schema = 'relay_kafka_order';
    const topic = uniqueTopic('ledger');
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => topic } });
    await store.migrate();
    const stream = streamFor('relay-order');
    try {
      const received: DeliveredMessage[] = [];
      const sub = await stream.subscribe(topic, (m) => void received.push(m), { group: 'projector' });
      const appended = new Map<string, string[]>();
      for (const agg of ['acct-a', 'acct-b', 'acct-c']) {
        const events = [1, 2, 3, 4].map((v) => newEvent(agg, v));
        appended.set(
          agg,
          events.map((e) => e.id),
        );
        await store.append(events);
      }
      const relay = new OutboxRelay({
        database: pool,
        transport: stream,
        schema,
        batchSize: 5,
        listen: false,
      });
      let relayed = 0;
      for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) relayed += n;
      expect(relayed).toBe(12);

      await waitUntil('12 deliveries', () => received.length === 12);
      for (const [agg, ids] of appended) {
        expect(received.filter((m) => m.key === agg).map((m) => m.id)).toEqual(ids);
      }
      // In Kafka: one record per event, each aggregate on a single partition (its key).
      const records = await log.records(topic);
      expect(records).toHaveLength(12);
      for (const agg of appended.keys()) {
        const partitions = new Set(records.filter((r) => r.key === agg).map((r) => r.partition));
        expect(partitions.size).toBe(1);
      }
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`,
      );
      expect(rows[0].n).toBe(0);
      await sub.close();
    } finally {
      await stream.close();
    }
  });

  it('writes each event once to Kafka when an acknowledgement is lost mid-relay (idempotent producer)', async () => {
    const schema = 'relay_kafka_lost_ack';
    const topic = uniqueTopic('ledger');
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => topic } });
    await store.migrate();
    // Every connection of this producer goes through the proxy (the broker advertises it).
    await using proxy = await startKafkaFaultProxy();
    const stream = streamFor('relay-lost-ack', proxy.brokers);
    try {
      // Warm up: topic created, producer id assigned, connections open; the next reply the
      // proxy carries is the acknowledgement of the relay's first produce.
      await store.append([newEvent('acct-w', 1)]);
      const relay = new OutboxRelay({ database: pool, transport: stream, schema, listen: false });
      expect(await relay.relayOnce()).toBe(1);
      for (const agg of ['acct-x', 'acct-y']) await store.append([1, 2, 3].map((v) => newEvent(agg, v)));
      // The broker appends the produce, then the connection drops before its acknowledgement.
      const lost = proxy.loseNextReply();
      let relayed = 0;
      for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) relayed += n;
      await lost; // the lost acknowledgement did happen
      expect(relayed).toBe(6);
      const ids = (await log.records(topic)).map((r) => r.headers['x-ig-id']);
      expect(ids).toHaveLength(7);
      expect(new Set(ids).size).toBe(7);
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await stream.close();
    }
  });
});
