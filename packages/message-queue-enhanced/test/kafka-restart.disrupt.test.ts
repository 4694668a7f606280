import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  killKafka,
  openKafkaLog,
  serviceUrls,
  startKafka,
  type TestDatabase,
  uniqueTopic,
  waitFor,
} from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

// DISRUPTIVE: kills the shared Kafka broker (SIGKILL: a crash, nothing flushed or handed over)
// while the outbox relay publishes and a consumer group reads, then starts it again
// (scripts/dev/services.sh kafka), also when the test fails.

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('mqe_kafka_restart');
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
});

// Bringing the broker back may mean recovering its log on a busy machine.
afterAll(async () => {
  await startKafka();
  await pool?.end();
  await db?.drop();
}, 300_000);

const newEvent = (aggregateId: string, version: number) => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Ledger',
  eventType: 'amount-added',
  data: { amount: version },
  version,
});

describe('Kafka broker crash and restart under the outbox relay', () => {
  it('loses no event and writes none twice: every accepted event is in the log once and handled', async () => {
    const schema = 'relay_kafka_restart';
    const topic = uniqueTopic('ledger');
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => topic } });
    await store.migrate();
    const brokers = serviceUrls().kafkaBrokers;
    const producer = new KafkaEventStream({ clientId: 'restart-relay', brokers, publishTimeoutMs: 5_000 });
    const consumer = new KafkaEventStream({
      clientId: 'restart-consumer',
      brokers,
      sessionTimeoutMs: 10_000,
    });
    const relayErrors: unknown[] = [];
    const relay = new OutboxRelay({
      database: pool,
      transport: producer,
      schema,
      pollIntervalMs: 50,
      retryDelayMs: 200,
      onError: (e) => void relayErrors.push(e),
    });
    const handled = new Map<string, number>();
    try {
      await consumer.subscribe(topic, (m) => void handled.set(m.id, (handled.get(m.id) ?? 0) + 1), {
        group: 'ledger-projector',
      });
      await relay.start();
      const accepted: string[] = [];
      const append = async (from: number, to: number) => {
        for (let v = from; v <= to; v++) {
          for (const agg of ['acct-a', 'acct-b']) {
            const event = newEvent(agg, v);
            await store.append([event]);
            accepted.push(event.id);
          }
        }
      };
      await append(1, 10);
      await waitFor('the first events handled', () => handled.size >= 10);
      await killKafka();
      // Writes keep being accepted while the broker is down: they wait in the outbox.
      await append(11, 20);
      await startKafka();
      await append(21, 30);
      await waitFor('every accepted event handled', () => accepted.every((id) => handled.has(id)), 90_000);
      expect(relayErrors.length).toBeGreaterThan(0); // the relay did meet the dead broker

      const log = await openKafkaLog();
      try {
        const ids = (await log.records(topic)).map((r) => r.headers['x-ig-id']);
        expect(ids.sort()).toEqual([...accepted].sort()); // each exactly once in the log
      } finally {
        await log.close();
      }
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await relay.stop();
      await Promise.all([producer.close(), consumer.close()]);
    }
  }, 420_000);
});
