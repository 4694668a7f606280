import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { migrations } from '../src/event-store/event-store-migrations.js';
import type { NewEvent, StoredEvent } from '../src/event-store/stored-event.js';
import { InProcessTransport } from '../src/in-process/in-process-transport.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';
import { gatedExecutor } from './fixtures/gated-executor.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventSourcingStore;

beforeAll(async () => {
  db = await createTestDatabase('mqe_store');
  pool = new pg.Pool({ connectionString: db.url, max: 30 });
  // DROP DATABASE … WITH (FORCE) at the end may end idle connections under the pool.
  pool.on('error', () => {});
  store = new EventSourcingStore(pool);
  await store.migrate();
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function event(aggregateId: string, version: number | undefined, data: unknown = { n: version }): NewEvent {
  return {
    id: randomUUID(),
    aggregateId,
    aggregateType: 'Investigation',
    eventType: 'investigation-updated',
    data,
    version,
    timestamp: 1_700_000_000_000 + (version ?? 0),
  };
}

describe('EventSourcingStore', () => {
  it('migrates once, also when several processes start together', async () => {
    const fresh = new EventSourcingStore(pool, { schema: 'es_migrate_race' });
    const applied = await Promise.all([fresh.migrate(), fresh.migrate(), fresh.migrate()]);
    // Every migration applied exactly once in all.
    expect(applied.reduce((a, b) => a + b, 0)).toBe(migrations('es_migrate_race').length);
    expect(await fresh.migrate()).toBe(0);
  });

  it('appends the documented single event and reads the stream back in order', async () => {
    const id = `inv-${randomUUID()}`;
    const first = event(id, 1);
    expect(await store.append({ ...first, version: 1 })).toEqual({
      version: 1,
      appended: 1,
      duplicate: false,
    });
    const more = [event(id, 2), event(id, 3)];
    expect(await store.append(more, { expectedVersion: 1 })).toMatchObject({ version: 3, appended: 2 });
    const stream = await store.readStream(id);
    expect(stream.map((e) => [e.id, e.version])).toEqual([
      [first.id, 1],
      [more[0]!.id, 2],
      [more[1]!.id, 3],
    ]);
    expect(stream[0]).toMatchObject({
      aggregateType: 'Investigation',
      eventType: 'investigation-updated',
      data: { n: 1 },
      timestamp: 1_700_000_000_001,
      metadata: {},
    });
    expect(await store.currentVersion(id)).toBe(3);
  });

  it('assigns versions when events carry none and expectedVersion is any', async () => {
    const id = `inv-${randomUUID()}`;
    await store.append([event(id, undefined), event(id, undefined)]);
    expect(await store.append(event(id, undefined), { expectedVersion: 'any' })).toMatchObject({
      version: 3,
    });
    expect((await store.readStream(id)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('refuses an append at the wrong expected version with CONCURRENCY_CONFLICT', async () => {
    const id = `inv-${randomUUID()}`;
    await store.append([event(id, 1), event(id, 2)]);
    const stale = store.append(event(id, undefined), { expectedVersion: 1 });
    await expect(stale).rejects.toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      details: { aggregateId: id, expectedVersion: 1, actualVersion: 2 },
    });
    await expect(store.append(event(id, 1))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(await store.currentVersion(id)).toBe(2);
  });

  it('lets exactly one of 16 concurrent appenders with the same expected version win', async () => {
    for (const base of [0, 3]) {
      const id = `inv-${randomUUID()}`;
      if (base > 0) await store.append([event(id, 1), event(id, 2), event(id, 3)]);
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, () => store.append(event(id, base + 1))),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(15);
      for (const r of lost)
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      const stream = await store.readStream(id);
      expect(stream).toHaveLength(base + 1);
      expect(await store.currentVersion(id)).toBe(base + 1);
    }
  });

  it('is idempotent by event id: a repeated append writes nothing and reports a duplicate', async () => {
    const id = `inv-${randomUUID()}`;
    const batch = [event(id, 1), event(id, 2)];
    await store.append(batch);
    // The retry of an append that did commit: same ids, now-stale expected version.
    expect(await store.append(batch)).toEqual({ version: 2, appended: 0, duplicate: true });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => store.append([event(id, 3)].map((e) => ({ ...e, id: `${id}-e3` })))),
    );
    expect(concurrent.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await store.readStream(id)).toHaveLength(3);
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM event_store.outbox WHERE message_key = $1',
      [id],
    );
    expect(rows[0].n).toBe(3);
    await expect(store.append([{ ...event(id, 4), id: batch[0]!.id }, event(id, 5)])).rejects.toMatchObject({
      code: 'EVENT_INVALID',
    });
  });

  it('writes outbox rows in the same transaction as the events', async () => {
    const id = `inv-${randomUUID()}`;
    const e = event(id, 1, { title: 'x' });
    await store.append(e);
    const { rows } = await pool.query(
      'SELECT event_id, topic, message_key, message_type, payload, headers, sent_at FROM event_store.outbox WHERE event_id = $1',
      [e.id],
    );
    expect(rows).toEqual([
      {
        event_id: e.id,
        topic: 'Investigation',
        message_key: id,
        message_type: 'investigation-updated',
        payload: null,
        headers: { 'x-ig-outbox-row': 'payload-from-event' },
        sent_at: null,
      },
    ]);
    // A relay of the previous version (rolling upgrade) publishes a row's payload and headers as
    // they are: the reserved header makes that publish fail, so it never sends the NULL payload.
    const previousRelayTransport = new InProcessTransport();
    await expect(
      previousRelayTransport.publish('Investigation', {
        id: e.id,
        payload: rows[0].payload,
        headers: rows[0].headers,
      }),
    ).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await previousRelayTransport.close();
    // The row names its event; the relay publishes the whole event from it.
    const transport = new InProcessTransport();
    const published: DeliveredMessage[] = [];
    await transport.subscribe('Investigation', (m) => {
      if (m.id === e.id) published.push(m);
    });
    const relay = new OutboxRelay({ database: pool, transport, listen: false });
    while ((await relay.relayOnce()) > 0);
    const deadline = Date.now() + 5000;
    while (published.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await transport.close();
    expect(published).toEqual([
      expect.objectContaining({
        id: e.id,
        type: 'investigation-updated',
        key: id,
        headers: { 'aggregate-type': 'Investigation', version: '1' },
        payload: {
          aggregateId: id,
          aggregateType: 'Investigation',
          eventType: 'investigation-updated',
          version: 1,
          data: { title: 'x' },
          metadata: {},
          timestamp: 1_700_000_000_001,
        },
      }),
    ]);
    // A conflicting append leaves neither events nor outbox rows.
    await expect(store.append(event(id, 1))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    const after = await pool.query(
      'SELECT count(*)::int AS n FROM event_store.outbox WHERE message_key = $1',
      [id],
    );
    expect(after.rows[0].n).toBe(1);
  });

  it('does not return an event committed after a later one until it commits, then returns both in order', async () => {
    const own = new EventSourcingStore(pool, { schema: 'es_late_commit' });
    await own.migrate();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new EventSourcingStore(
      gatedExecutor(pool, () => gate),
      { schema: 'es_late_commit' },
    );
    const slowEvent = event(`slow-${randomUUID()}`, 1);
    const fastEvent = event(`fast-${randomUUID()}`, 1);
    const slowAppend = slow.append(slowEvent);
    // Wait until the slow transaction holds its row (and its transaction id).
    for (;;) {
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.query LIKE 'WITH fresh AS%' AND a.state = 'idle in transaction'",
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await own.append(fastEvent);
    expect(await own.readStream(fastEvent.aggregateId)).toHaveLength(1);
    const before = await own.readAll();
    expect(before.events).toEqual([]);
    release();
    await slowAppend;
    // Other sessions on the server can hold the horizon back a little longer: wait, never skip.
    let after = await own.readAll({ after: before.cursor });
    const deadline = Date.now() + 30_000;
    while (after.events.length < 2 && Date.now() < deadline) {
      expect(after.events.map((e) => e.id)).toEqual(
        [slowEvent.id, fastEvent.id].slice(0, after.events.length),
      );
      await new Promise((r) => setTimeout(r, 20));
      after = await own.readAll({ after: before.cursor });
    }
    expect(after.events.map((e) => e.id)).toEqual([slowEvent.id, fastEvent.id]);
  });

  it('never skips an event in the global read while transactions commit out of order', async () => {
    const schema = 'es_interleaved';
    const own = new EventSourcingStore(pool, { schema });
    await own.migrate();
    const writers = Array.from({ length: 8 }, (_, w) => {
      const slow = new EventSourcingStore(
        gatedExecutor(pool, () => new Promise((r) => setTimeout(r, Math.random() * 15))),
        { schema },
      );
      return (async () => {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const e = event(`w${w}-${randomUUID()}`, 1);
          await slow.append(e);
          ids.push(e.id);
        }
        return ids;
      })();
    });
    const seen: StoredEvent[] = [];
    let cursor: string | undefined;
    let writing = true;
    const all = Promise.all(writers).finally(() => {
      writing = false;
    });
    while (writing) {
      const page = await own.readAll({ after: cursor, limit: 7 });
      seen.push(...page.events);
      cursor = page.cursor;
    }
    const written = (await all).flat();
    // The read may stall (never skip) while any transaction on the server is older than ours: wait.
    const deadline = Date.now() + 30_000;
    while (seen.length < written.length && Date.now() < deadline) {
      const page = await own.readAll({ after: cursor });
      seen.push(...page.events);
      cursor = page.cursor;
      if (page.events.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toHaveLength(160);
    expect(new Set(seen.map((e) => e.id))).toEqual(new Set(written));
    // Re-reading the whole log gives the same order the tailing reader saw.
    const full = await own.readAll({ limit: 1000 });
    expect(full.events.map((e) => e.id)).toEqual(seen.map((e) => e.id));
    // …and that order is strictly increasing in (transaction id, position), compared as numbers.
    const keys = full.events.map((e) => e.cursor.split(':').map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < keys.length; i++) {
      const [t0, p0] = keys[i - 1]!;
      const [t1, p1] = keys[i]!;
      expect(t1 > t0 || (t1 === t0 && p1 > p0)).toBe(true);
    }
  });

  it('saves and loads snapshots, and replays from the snapshot', async () => {
    const id = `inv-${randomUUID()}`;
    await store.append(Array.from({ length: 10 }, (_, i) => event(id, i + 1, { add: i + 1 })));
    const sum = (state: { total: number }, e: StoredEvent) => ({
      total: state.total + (e.data as { add: number }).add,
    });
    const full = await store.replay(id, sum, { total: 0 }, { useSnapshot: false });
    expect(full).toEqual({ state: { total: 55 }, version: 10 });
    await store.saveSnapshot({
      aggregateId: id,
      aggregateType: 'Investigation',
      version: 8,
      state: { total: 1000 },
    });
    expect(await store.loadSnapshot(id)).toEqual({
      aggregateId: id,
      aggregateType: 'Investigation',
      version: 8,
      state: { total: 1000 },
    });
    // From the snapshot: only events 9 and 10 are applied on top of its state.
    let applied = 0;
    const counted = (s: { total: number }, e: StoredEvent) => {
      applied++;
      return sum(s, e);
    };
    const fromSnapshot = await store.replay(id, counted, { total: 0 });
    expect(fromSnapshot).toEqual({ state: { total: 1019 }, version: 10 });
    expect(applied).toBe(2);
    // An older snapshot never replaces a newer one.
    await store.saveSnapshot({
      aggregateId: id,
      aggregateType: 'Investigation',
      version: 5,
      state: { total: 1 },
    });
    expect((await store.loadSnapshot(id))?.version).toBe(8);
  });

  it('works over an executor without connect()', async () => {
    const executorStore = new EventSourcingStore(gatedExecutor(pool, async () => {}));
    const id = `inv-${randomUUID()}`;
    await executorStore.append([event(id, 1), event(id, 2)]);
    await expect(executorStore.append(event(id, 2))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(await executorStore.currentVersion(id)).toBe(2);
  });
});

describe('append inside the caller’s transaction (an executor)', () => {
  it('reports a repeat as a duplicate without aborting the transaction, and notifies on commit', async () => {
    const schema = 'es_caller_tx';
    const own = new EventSourcingStore(pool, { schema });
    await own.migrate();
    const seen: number[] = [];
    const sub = own.subscribe('caller-tx', (e) => void seen.push(e.version), { pollIntervalMs: 60_000 });
    await sub.start();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const inTx = new EventSourcingStore(
        { query: (text, values) => client.query(text, values), transaction: (work) => work(client) },
        { schema },
      );
      const id = `inv-${randomUUID()}`;
      const first = [event(id, 1), event(id, 2)];
      await inTx.append(first);
      expect(await inTx.append(first)).toEqual({ version: 2, appended: 0, duplicate: true });
      expect(await inTx.append(first, { expectedVersion: 'any' })).toMatchObject({ duplicate: true });
      // The transaction is still usable, and the caller's own write commits with the events.
      await client.query(`CREATE TABLE ${schema}.side_effect (n int)`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    expect(seen).toEqual([1, 2]);
  });
});

describe('catch-up subscriptions', () => {
  for (const listen of [true, false]) {
    it(`delivers the log in order and resumes from its checkpoint (${listen ? 'LISTEN/NOTIFY' : 'polling'})`, async () => {
      const schema = listen ? 'es_sub_listen' : 'es_sub_poll';
      const own = new EventSourcingStore(pool, { schema });
      await own.migrate();
      const id = `inv-${randomUUID()}`;
      await own.append([event(id, 1), event(id, 2)]);
      const seen: number[] = [];
      const sub = own.subscribe('projection', (e) => void seen.push(e.version), {
        listen,
        pollIntervalMs: listen ? 60_000 : 50,
      });
      await sub.start();
      await own.append([event(id, 3), event(id, 4)]);
      const deadline = Date.now() + 10_000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([1, 2, 3, 4]);
      await sub.stop();

      await own.append(event(id, 5));
      const resumed: number[] = [];
      const again = own.subscribe('projection', (e) => void resumed.push(e.version), {
        listen,
        pollIntervalMs: 50,
      });
      await again.start();
      while (resumed.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await again.stop();
      expect(resumed).toEqual([5]);
    });
  }

  it('hands a failed event again, without skipping it', async () => {
    const own = new EventSourcingStore(pool, { schema: 'es_sub_retry' });
    await own.migrate();
    const id = `inv-${randomUUID()}`;
    await own.append([event(id, 1), event(id, 2), event(id, 3)]);
    const seen: number[] = [];
    let failedOnce = false;
    const errors: unknown[] = [];
    const sub = own.subscribe(
      'flaky',
      (e) => {
        if (e.version === 2 && !failedOnce) {
          failedOnce = true;
          throw new Error('projection down');
        }
        seen.push(e.version);
      },
      { retryDelayMs: 20, pollIntervalMs: 50, onError: (e) => errors.push(e) },
    );
    await sub.start();
    const deadline = Date.now() + 10_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toHaveLength(1);
  });
});
