import { randomUUID } from 'node:crypto';
import { createTestDatabase, serviceUrls } from '@intelgraph/test-support';
import amqp from 'amqplib';
import pg from 'pg';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import type { NewEvent } from '../src/event-store/stored-event.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';
import { RabbitMQQueue } from '../src/rabbitmq/rabbitmq-queue.js';
import { median, pairedRounds, type Row, spread, windowed } from './bench-kit.js';

const WRITERS = 16;
const WRITE_SECONDS = 3;
const BATCHES = 40;
const REPLAY_EVENTS = 10_000;
const RELAY_EVENTS = 5000;

const data = (i: number) => ({
  title: `investigation ${i}`,
  entityIds: ['e-1', 'e-2', 'e-3'],
  note: 'x'.repeat(100),
});
const event = (aggregateId: string, i: number): NewEvent => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Investigation',
  eventType: 'entity-added',
  data: data(i),
});

/**
 * Event store figures against raw `pg` doing the naive thing (plain INSERT / SELECT on a table of
 * the same shape, no version check, no outbox, no idempotency), and the outbox relay against raw
 * amqplib confirmed publishes of the same messages (same body and properties, exchange → durable
 * quorum queue, 50 in flight) with no database work.
 */
export async function eventStoreBench(): Promise<Row[]> {
  const db = await createTestDatabase('mqe_bench');
  const pool = new pg.Pool({ connectionString: db.url, max: WRITERS + 4 });
  const rows: Row[] = [];
  try {
    const store = new EventSourcingStore(pool, { outbox: { topic: () => 'bench-events' } });
    await store.migrate();
    await pool.query(`CREATE TABLE raw_events (id text PRIMARY KEY, position bigserial, aggregate_id text NOT NULL,
      version int NOT NULL, event_type text NOT NULL, data jsonb NOT NULL, occurred_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query('CREATE INDEX ON raw_events (aggregate_id, version)');

    // 1. Single events from 16 concurrent writers, each on its own aggregate with expected versions.
    const timed = async (write: (writer: number, version: number) => Promise<void>) => {
      const deadline = performance.now() + WRITE_SECONDS * 1000;
      let count = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let v = 1; performance.now() < deadline; v++) {
            await write(w, v);
            count++;
          }
        }),
      );
      return count / WRITE_SECONDS;
    };
    const single = await pairedRounds(
      2,
      async () => {
        const run = randomUUID().slice(0, 8);
        return timed(async (w, v) => {
          await store.append(event(`single-${run}-${w}`, v), { expectedVersion: v - 1 });
        });
      },
      async () => {
        const run = randomUUID().slice(0, 8);
        return timed(async (w, v) => {
          await pool.query(
            'INSERT INTO raw_events (id, aggregate_id, version, event_type, data) VALUES ($1, $2, $3, $4, $5)',
            [randomUUID(), `single-${run}-${w}`, v, 'entity-added', JSON.stringify(data(v))],
          );
        });
      },
    );
    const singleOurs = single.ours;
    const singleRaw = single.baseline;
    rows.push({
      scenario: `append single events, ${WRITERS} concurrent writers`,
      ours: median(singleOurs),
      baseline: median(singleRaw),
      unit: 'events/s',
      spread: spread(singleOurs),
    });

    // 2. Batches of 100 events, one append (one transaction) each.
    const batchTimes = async (append: (aggregateId: string, batch: NewEvent[]) => Promise<void>) => {
      const times: number[] = [];
      for (let b = 0; b < BATCHES; b++) {
        const id = `batch-${randomUUID()}`;
        const batch = Array.from({ length: 100 }, (_, i) => event(id, i));
        const start = performance.now();
        await append(id, batch);
        times.push(performance.now() - start);
      }
      return median(times);
    };
    const batch = await pairedRounds(
      3,
      () => batchTimes(async (_, batch) => void (await store.append(batch, { expectedVersion: 0 }))),
      () =>
        batchTimes(async (id, batch) => {
          await pool.query(
            `INSERT INTO raw_events (id, aggregate_id, version, event_type, data)
           SELECT u.id, $1, u.ord, 'entity-added', u.data::jsonb FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(id, data, ord)`,
            [id, batch.map((e) => e.id), batch.map((e) => JSON.stringify(e.data))],
          );
        }),
    );
    const batchOurs = batch.ours;
    const batchRaw = batch.baseline;
    rows.push({
      scenario: 'append a batch of 100 events (Marten: ~3.6 ms)',
      ours: median(batchOurs),
      baseline: median(batchRaw),
      unit: 'ms/batch',
      lowerIsBetter: true,
      spread: spread(batchOurs),
    });

    // 3. Replay 10,000 events of one aggregate (no snapshot).
    const big = `replay-${randomUUID()}`;
    for (let from = 0; from < REPLAY_EVENTS; from += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => event(big, from + i));
      await store.append(batch, { expectedVersion: from });
      await pool.query(
        `INSERT INTO raw_events (id, aggregate_id, version, event_type, data)
         SELECT u.id, $1, $2::int + u.ord::int, 'entity-added', u.data::jsonb FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(id, data, ord)`,
        [big, from, batch.map((e) => e.id), batch.map((e) => JSON.stringify(e.data))],
      );
    }
    const fold = (n: number, e: { data: unknown }) =>
      n + ((e.data as { entityIds: string[] }).entityIds.length > 0 ? 1 : 0);
    const replay = await pairedRounds(
      3,
      async () => {
        const start = performance.now();
        const { state, version } = await store.replay(big, fold, 0, { useSnapshot: false });
        if (state !== REPLAY_EVENTS || version !== REPLAY_EVENTS)
          throw new Error(`replay gave ${state}/${version}`);
        return performance.now() - start;
      },
      async () => {
        const start = performance.now();
        const { rows: raw } = await pool.query(
          'SELECT data, version FROM raw_events WHERE aggregate_id = $1 ORDER BY version',
          [big],
        );
        const state = raw.reduce(fold, 0);
        if (state !== REPLAY_EVENTS) throw new Error(`raw replay gave ${state}`);
        return performance.now() - start;
      },
    );
    const replayOurs = replay.ours;
    const replayRaw = replay.baseline;
    rows.push({
      scenario: `replay ${REPLAY_EVENTS} events of one aggregate (promised < 30 s)`,
      ours: median(replayOurs),
      baseline: median(replayRaw),
      unit: 'ms',
      lowerIsBetter: true,
      spread: spread(replayOurs),
    });

    // 4. Outbox relay to RabbitMQ: drain RELAY_EVENTS outbox rows (50 aggregates) with confirms.
    await pool.query('UPDATE event_store.outbox SET sent_at = now() WHERE sent_at IS NULL');
    rows.push(await relayBench(pool, store));
  } finally {
    await pool.end();
    await db.drop();
  }
  return rows;
}

async function relayBench(pool: pg.Pool, store: EventSourcingStore): Promise<Row> {
  const url = serviceUrls().amqp;
  const namespace = `bench-relay-${randomUUID().slice(0, 8)}`;
  const transport = new RabbitMQQueue({ url, namespace, lagIntervalMs: 0 });
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  // The same broker work as ours: a direct exchange routing to a quorum queue (a lane).
  const rawQueue = `${namespace}.raw`;
  const rawExchange = `${namespace}.raw-exchange`;
  await channel.assertQueue(rawQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertExchange(rawExchange, 'direct', { durable: true });
  await channel.bindQueue(rawQueue, rawExchange, 'raw');
  try {
    await transport.publish('bench-events', { payload: {} }); // declare before timing
    const relay = new OutboxRelay({ database: pool, transport, batchSize: 500 });
    const relayed = await pairedRounds(
      2,
      async () => {
        // 50 aggregates written in turns of 10 events, as when many aggregates are active at once.
        const ids = Array.from({ length: 50 }, () => `relay-${randomUUID()}`);
        for (let turn = 0; turn < RELAY_EVENTS / 500; turn++) {
          await Promise.all(
            ids.map((id) =>
              store.append(
                Array.from({ length: 10 }, (_, i) => event(id, turn * 10 + i)),
                { expectedVersion: turn * 10 },
              ),
            ),
          );
        }
        const start = performance.now();
        let total = 0;
        for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) total += n;
        if (total !== RELAY_EVENTS) throw new Error(`relay sent ${total}`);
        return total / ((performance.now() - start) / 1000);
      },
      async () => {
        const start = performance.now();
        // The same messages as the relay sends: the whole event as the payload, its id, type,
        // key and headers (the relay's and the transport's envelope).
        await windowed(RELAY_EVENTS, 50, (i) => {
          const aggregateId = `relay-raw-${i % 50}`;
          const version = Math.floor(i / 50) + 1;
          const body = {
            aggregateId,
            aggregateType: 'Investigation',
            eventType: 'entity-added',
            version,
            data: data(i),
            metadata: {},
            timestamp: Date.now(),
          };
          return new Promise<void>((resolve, reject) =>
            channel.publish(
              rawExchange,
              'raw',
              Buffer.from(JSON.stringify(body)),
              {
                persistent: true,
                priority: 4,
                messageId: randomUUID(),
                type: 'entity-added',
                contentType: 'application/json',
                headers: {
                  'aggregate-type': 'Investigation',
                  version: String(version),
                  'x-ig-max-retries': '3',
                  'x-ig-timestamp': String(Date.now()),
                  'x-ig-key': aggregateId,
                },
              },
              (e) => (e ? reject(e) : resolve()),
            ),
          );
        });
        return RELAY_EVENTS / ((performance.now() - start) / 1000);
      },
    );
    const oursRounds = relayed.ours;
    const rawRounds = relayed.baseline;
    return {
      scenario: `outbox relay → RabbitMQ (${RELAY_EVENTS} events, 50 aggregates)`,
      ours: median(oursRounds),
      baseline: median(rawRounds),
      unit: 'events/s',
      spread: spread(oursRounds),
    };
  } finally {
    await channel.deleteQueue(rawQueue).catch(() => {});
    await channel.deleteExchange(rawExchange).catch(() => {});
    await connection.close().catch(() => {});
    await transport.deleteDeclaredTopology().catch(() => {});
    await transport.close();
  }
}
