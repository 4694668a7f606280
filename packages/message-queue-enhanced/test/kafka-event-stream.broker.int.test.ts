import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, startTestBroker, type TestBroker } from '../../kafka-test-broker/src/index.js';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { KAFKA_DEFAULTS, KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

/**
 * The outbox relay publishing to Kafka: events appended to the PostgreSQL store go through the
 * outbox and KafkaEventStream to @intelgraph/kafka-test-broker (an in-memory Kafka-protocol
 * broker on loopback), and on to a consumer group. Integration: needs the real PostgreSQL.
 */
let db: TestDatabase;
let pool: pg.Pool;
let broker: TestBroker;

beforeAll(async () => {
  db = await createTestDatabase('mqe_kafka_relay');
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  broker = await startTestBroker({ maxFetchWaitMs: 200 });
});

afterAll(async () => {
  await broker?.stop();
  await pool?.end();
  await db?.drop();
});

const streamFor = (clientId: string) =>
  new KafkaEventStream({
    clientId,
    brokers: broker.brokers,
    sessionTimeoutMs: 10_000,
    kafka: { logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 1_000, retries: 8 } },
  });

const newEvent = (aggregateId: string, version: number) => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Ledger',
  eventType: 'amount-added',
  data: { amount: version * 10 },
  version,
});

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records in the Kafka log of a topic (all partitions), as the broker stores them. */
const logOf = (topic: string) =>
  Array.from({ length: KAFKA_DEFAULTS.numPartitions }, (_, p) => broker.records(topic, p)).flat();

describe('OutboxRelay → KafkaEventStream → kafka-test-broker', () => {
  it('publishes every outbox row to Kafka keyed by aggregate, in per-aggregate order, and marks it sent', async () => {
    const schema = 'relay_kafka_order';
    const topic = `ledger-${randomUUID().slice(0, 8)}`;
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
      const log = logOf(topic);
      expect(log).toHaveLength(12);
      for (const agg of appended.keys()) {
        const partitions = Array.from({ length: KAFKA_DEFAULTS.numPartitions }, (_, p) => p).filter((p) =>
          broker.records(topic, p).some((r) => r.key?.toString() === agg),
        );
        expect(partitions).toHaveLength(1);
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
    const topic = `ledger-${randomUUID().slice(0, 8)}`;
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => topic } });
    await store.migrate();
    const stream = streamFor('relay-lost-ack');
    try {
      for (const agg of ['acct-x', 'acct-y']) await store.append([1, 2, 3].map((v) => newEvent(agg, v)));
      const relay = new OutboxRelay({ database: pool, transport: stream, schema, listen: false });
      // The broker appends the first produce, then closes the connection instead of answering.
      broker.faults.dropAfterHandling(ApiKey.Produce, 1);
      let relayed = 0;
      for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) relayed += n;
      expect(relayed).toBe(6);
      expect(broker.faults.describe()).toEqual([]); // the lost acknowledgement did happen
      const ids = logOf(topic).map((r) => r.headers.find((h) => h.key === 'x-ig-id')?.value?.toString());
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
    } finally {
      broker.faults.clear();
      await stream.close();
    }
  });
});
