import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, serviceUrls, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { InProcessTransport } from '../src/in-process/in-process-transport.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import { deduplicatingHandler } from '../src/outbox/deduplicating-handler.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';
import { RabbitMQQueue } from '../src/rabbitmq/rabbitmq-queue.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('mqe_outbox');
  pool = new pg.Pool({ connectionString: db.url, max: 20 });
  // DROP DATABASE … WITH (FORCE) at the end may end idle connections under the pool.
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const newEvent = (aggregateId: string, version: number, amount: number) => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Ledger',
  eventType: 'amount-added',
  data: { amount },
  version,
});

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('OutboxRelay', () => {
  it('relays rows written before migration 2 (with their own payload) as they are, in order with new ones', async () => {
    const schema = 'outbox_upgrade';
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => 'ledger' } });
    await store.migrate();
    const key = `legacy-${schema}`;
    // A row as the previous version wrote it: the message copied into the row.
    await pool.query(
      `INSERT INTO ${schema}.outbox (event_id, topic, message_key, message_type, payload, headers)
       VALUES ('legacy-1', 'ledger', $1, 'amount-added', $2::jsonb, $3::jsonb)`,
      [
        key,
        JSON.stringify({ aggregateId: key, aggregateType: 'Ledger', version: 1, data: { amount: 7 } }),
        JSON.stringify({ 'aggregate-type': 'Ledger', version: '1' }),
      ],
    );
    await store.append(newEvent(key, 1, 8));
    const transport = new InProcessTransport();
    const received: DeliveredMessage[] = [];
    await transport.subscribe('ledger', (m) => void received.push(m));
    const relay = new OutboxRelay({ database: pool, transport, schema, listen: false });
    expect(await relay.relayOnce()).toBe(2);
    await waitUntil('2 deliveries', () => received.length === 2);
    expect(received.map((m) => [m.id, m.key, m.headers, m.payload])).toEqual([
      [
        'legacy-1',
        key,
        { 'aggregate-type': 'Ledger', version: '1' },
        { aggregateId: key, aggregateType: 'Ledger', version: 1, data: { amount: 7 } },
      ],
      [
        expect.any(String),
        key,
        { 'aggregate-type': 'Ledger', version: '1' },
        expect.objectContaining({ aggregateId: key, version: 1, data: { amount: 8 } }),
      ],
    ]);
    await transport.close();
  });

  it('publishes outbox rows in per-aggregate order, marks them sent and reports the lag', async () => {
    const schema = 'outbox_basic';
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => 'ledger' } });
    await store.migrate();
    const transport = new InProcessTransport();
    const received: DeliveredMessage[] = [];
    await transport.subscribe('ledger', (m) => void received.push(m));
    for (const agg of ['a', 'b', 'c']) {
      await store.append([1, 2, 3, 4].map((v) => newEvent(`${agg}-${schema}`, v, v)));
    }
    const relay = new OutboxRelay({ database: pool, transport, schema, batchSize: 5 });
    expect(await relay.relayOnce()).toBe(5);
    expect(await relay.relayOnce()).toBe(5);
    expect(await relay.relayOnce()).toBe(2);
    expect(await relay.relayOnce()).toBe(0);
    await waitUntil('12 deliveries', () => received.length === 12);
    for (const agg of ['a', 'b', 'c']) {
      const versions = received
        .filter((m) => m.key === `${agg}-${schema}`)
        .map((m) => (m.payload as { version: number }).version);
      expect(versions).toEqual([1, 2, 3, 4]);
    }
    expect(received[0]).toMatchObject({
      type: 'amount-added',
      payload: { aggregateType: 'Ledger', data: { amount: 1 } },
    });
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`,
    );
    expect(rows[0].n).toBe(0);
    const lag = await relay.registry.getSingleMetric('intelgraph_outbox_unsent')!.get();
    expect(lag.values[0]!.value).toBe(0);
    await transport.close();
  });

  it('keeps a failing aggregate’s rows (in order) for the next round and sends the others', async () => {
    const schema = 'outbox_failing';
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => 'ledger' } });
    await store.migrate();
    const inner = new InProcessTransport();
    const received: string[] = [];
    await inner.subscribe(
      'ledger',
      (m) => void received.push(`${m.key}:${(m.payload as { version: number }).version}`),
    );
    let brokenKey: string | undefined = 'bad';
    const transport = {
      ...inner,
      kind: inner.kind,
      publish: async (topic: string, message: Parameters<InProcessTransport['publish']>[1]) => {
        if (message.key === brokenKey && (message.payload as { version: number }).version === 2) {
          throw new Error('broker said no');
        }
        return inner.publish(topic, message);
      },
      subscribe: inner.subscribe.bind(inner),
      listDeadLetters: inner.listDeadLetters.bind(inner),
      replayDeadLetters: inner.replayDeadLetters.bind(inner),
      close: inner.close.bind(inner),
    };
    await store.append([1, 2, 3].map((v) => newEvent('bad', v, v)));
    await store.append([1, 2, 3].map((v) => newEvent('good', v, v)));
    const relay = new OutboxRelay({ database: pool, transport, schema });
    expect(await relay.relayOnce()).toBe(4);
    const { rows } = await pool.query(
      `SELECT message_key, attempts, last_error FROM ${schema}.outbox WHERE sent_at IS NULL ORDER BY id`,
    );
    expect(rows).toEqual([
      { message_key: 'bad', attempts: 1, last_error: 'Error: broker said no' },
      { message_key: 'bad', attempts: 1, last_error: 'Error: broker said no' },
    ]);
    brokenKey = undefined;
    expect(await relay.relayOnce()).toBe(2);
    await waitUntil('6 deliveries', () => received.length === 6);
    expect(received.filter((r) => r.startsWith('bad:'))).toEqual(['bad:1', 'bad:2', 'bad:3']);
    await inner.close();
  });

  it('relays in the background, woken by appends', async () => {
    const schema = 'outbox_background';
    const store = new EventSourcingStore(pool, { schema, outbox: { topic: () => 'ledger' } });
    await store.migrate();
    const transport = new InProcessTransport();
    const received: string[] = [];
    await transport.subscribe('ledger', (m) => void received.push(m.id));
    const relay = new OutboxRelay({ database: pool, transport, schema, pollIntervalMs: 60_000 });
    await relay.start();
    const e = newEvent('bg', 1, 1);
    await store.append(e);
    await waitUntil('the relayed event', () => received.includes(e.id), 10_000);
    await relay.stop();
    await transport.close();
  });
});

describe('outbox relay process killed mid-batch', () => {
  const namespace = `igtest-relay-${randomUUID().slice(0, 8)}`;
  const children: ChildProcess[] = [];
  let consumerQueue: RabbitMQQueue;

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await consumerQueue?.deleteDeclaredTopology().catch(() => {});
    await consumerQueue?.close();
  });

  function startRelay(env: Record<string, string>): { child: ChildProcess; published: string[] } {
    const child = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures', 'outbox-relay-process.ts'),
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, DB_URL: db.url, AMQP_URL: serviceUrls().amqp, NAMESPACE: namespace, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const published: string[] = [];
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith('published ')) published.push(line.slice(10));
    });
    child.stderr!.on('data', () => {});
    return { child, published };
  }

  it('loses nothing, and duplicates have no effect', async () => {
    const store = new EventSourcingStore(pool);
    await store.migrate();
    await pool.query(
      'CREATE TABLE IF NOT EXISTS ledger_totals (aggregate_id text PRIMARY KEY, total bigint NOT NULL)',
    );
    let expectedTotal = 0;
    for (let a = 0; a < 20; a++) {
      const events = Array.from({ length: 10 }, (_, i) => newEvent(`ledger-${a}`, i + 1, a * 100 + i));
      expectedTotal += events.reduce((sum, e) => sum + e.data.amount, 0);
      await store.append(events);
    }

    consumerQueue = new RabbitMQQueue({ url: serviceUrls().amqp, namespace });
    let deliveries = 0;
    const handler = deduplicatingHandler<{ aggregateId: string; data: { amount: number } }>(
      { database: pool, consumer: 'ledger-projection' },
      async (message, tx) => {
        await tx.query(
          `INSERT INTO ledger_totals (aggregate_id, total) VALUES ($1, $2)
           ON CONFLICT (aggregate_id) DO UPDATE SET total = ledger_totals.total + excluded.total`,
          [message.payload.aggregateId, message.payload.data.amount],
        );
      },
    );
    await consumerQueue.subscribe('Ledger', async (m) => {
      deliveries++;
      await handler(m as DeliveredMessage<{ aggregateId: string; data: { amount: number } }>);
    });

    // First relay: slow publishes, batch of 100; killed once 30 of the first batch are confirmed.
    const first = startRelay({ PUBLISH_DELAY_MS: '25', BATCH_SIZE: '100' });
    await waitUntil('30 confirmed publishes', () => first.published.length >= 30);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const confirmedBeforeKill = first.published.length;
    expect(confirmedBeforeKill).toBeLessThan(100);
    // Its batch transaction died with it: every row is still unsent, though some were delivered.
    const unsent = await pool.query(
      'SELECT count(*)::int AS n FROM event_store.outbox WHERE sent_at IS NULL',
    );
    expect(unsent.rows[0].n).toBe(200);

    // Second relay finishes the job, republishing what the first had already delivered.
    const second = startRelay({ PUBLISH_DELAY_MS: '0', BATCH_SIZE: '100' });
    await waitUntil('the outbox to drain', async () => {
      const r = await pool.query('SELECT count(*)::int AS n FROM event_store.outbox WHERE sent_at IS NULL');
      return r.rows[0].n === 0;
    });
    await waitUntil('every event to be processed', async () => {
      const r = await pool.query(
        "SELECT count(*)::int AS n FROM event_store.processed_messages WHERE consumer = 'ledger-projection'",
      );
      return r.rows[0].n === 200;
    });
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));

    expect(second.published.length).toBe(200);
    expect(deliveries).toBeGreaterThanOrEqual(200 + confirmedBeforeKill);
    const totals = await pool.query('SELECT sum(total)::int AS total, count(*)::int AS n FROM ledger_totals');
    expect(totals.rows[0]).toEqual({ total: expectedTotal, n: 20 });
  });
});
