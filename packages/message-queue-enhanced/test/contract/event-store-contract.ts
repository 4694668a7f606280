import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../../src/event-store/event-sourcing-store.js';
import { migrations } from '../../src/event-store/event-store-migrations.js';
import type { NewEvent, StoredEvent } from '../../src/event-store/stored-event.js';
import { InProcessTransport } from '../../src/in-process/in-process-transport.js';
import type { DeliveredMessage } from '../../src/messages/message.js';
import { OutboxRelay } from '../../src/outbox/outbox-relay.js';
import { gatedExecutor } from '../fixtures/gated-executor.js';

/** A database the suite may use as it likes: a fresh one, reached through a `pg.Pool`. */
export interface EventStoreBackend {
  /** Room for a LISTEN connection, a held transaction and 16 concurrent appenders. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * What a backend can do that not every backend can. Each flag names the tests it gates; for a
 * backend without it those tests are not registered (they could only fail on a limitation of the
 * backend, not of the store), and what the store does instead there is tested (e.g. polling).
 */
export interface EventStoreCapabilities {
  /**
   * A NOTIFY sent on one connection reaches a LISTEN on another, so a subscription woken only by
   * notifications (poll interval 60 s) sees an append at once. PGlite behind the platform's wire
   * server has one backend shared by all connections: the NotificationResponse goes back on the
   * notifying connection, never to the listener, and subscriptions and relays fall back to polling.
   */
  readonly crossConnectionNotify: boolean;
}

export type EventStoreBackendFactory = () => Promise<EventStoreBackend>;

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

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Every behaviour `EventSourcingStore` (with its subscriptions and the outbox relay) promises
 * regardless of the PostgreSQL it runs on (see the README's event store section), run against
 * each backend: real PostgreSQL and PGlite served over the wire protocol as the platform's
 * embedded mode does. Each test uses its own aggregate ids, or its own schema when it reads the
 * global log, so the tests do not see each other's events.
 */
export function runEventStoreContract(
  name: string,
  createBackend: EventStoreBackendFactory,
  capabilities: EventStoreCapabilities,
): void {
  describe(`event store contract: ${name}`, () => {
    let backend: EventStoreBackend;
    let pool: pg.Pool;
    let store: EventSourcingStore;

    beforeAll(async () => {
      backend = await createBackend();
      pool = backend.pool;
      store = new EventSourcingStore(pool);
      await store.migrate();
    }, 60_000);

    afterAll(async () => {
      await backend?.close();
    }, 60_000);

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
      expect((await store.readStream(id, { fromVersion: 2 })).map((e) => e.version)).toEqual([2, 3]);
      expect((await store.readStream(id, { fromVersion: 2, toVersion: 2 })).map((e) => e.id)).toEqual([
        more[0]!.id,
      ]);
      expect(await store.readStream(`inv-${randomUUID()}`)).toEqual([]);
      expect(await store.currentVersion(`inv-${randomUUID()}`)).toBe(0);
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
      await expect(
        store.append(event(`inv-${randomUUID()}`, undefined), { expectedVersion: 3 }),
      ).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', details: { actualVersion: 0 } });
      expect(await store.currentVersion(id)).toBe(2);
    });

    // On a single-backend server (PGlite) the 16 appends take turns rather than race, so there
    // this checks the losers' re-check path; on PostgreSQL they block on the stream row.
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
      await expect(store.append([{ ...event(id, 4), id: batch[0]!.id }, event(id, 5)])).rejects.toMatchObject(
        {
          code: 'EVENT_INVALID',
        },
      );
    });

    it('writes outbox rows in the same transaction as the events, and the relay publishes the events', async () => {
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
      await waitUntil(() => published.length > 0, 5000);
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
      const sent = await pool.query('SELECT sent_at FROM event_store.outbox WHERE event_id = $1', [e.id]);
      expect(sent.rows[0].sent_at).not.toBeNull();
      // A conflicting append leaves neither events nor outbox rows.
      await expect(store.append(event(id, 1))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      const after = await pool.query(
        'SELECT count(*)::int AS n FROM event_store.outbox WHERE message_key = $1',
        [id],
      );
      expect(after.rows[0].n).toBe(1);
    });

    it('routes outbox rows by the topic option, and writes none with outbox: false', async () => {
      const routed = new EventSourcingStore(pool, { outbox: { topic: (e) => `t.${e.eventType}` } });
      const silent = new EventSourcingStore(pool, { outbox: false });
      const a = event(`inv-${randomUUID()}`, 1);
      const b = event(`inv-${randomUUID()}`, 1);
      await routed.append(a);
      await silent.append(b);
      const { rows } = await pool.query(
        'SELECT event_id, topic FROM event_store.outbox WHERE event_id = ANY($1::text[])',
        [[a.id, b.id]],
      );
      expect(rows).toEqual([{ event_id: a.id, topic: 't.investigation-updated' }]);
      expect(await silent.readStream(b.aggregateId)).toHaveLength(1);
    });

    it('writes one outbox row per topic when an event is routed to several, in event order', async () => {
      const routed = new EventSourcingStore(pool, {
        outbox: { topic: (e) => (e.eventType === 'quiet' ? 'main' : ['main', 'side']) },
      });
      const id = `inv-${randomUUID()}`;
      const loud = { ...event(id, 1), eventType: 'loud' };
      const quiet = { ...event(id, 2), eventType: 'quiet' };
      const loudAgain = { ...event(id, 3), eventType: 'loud' };
      await routed.append([loud, quiet, loudAgain]);
      const { rows } = await pool.query(
        'SELECT event_id, topic, message_type FROM event_store.outbox WHERE message_key = $1 ORDER BY id',
        [id],
      );
      expect(rows).toEqual([
        { event_id: loud.id, topic: 'main', message_type: 'loud' },
        { event_id: loud.id, topic: 'side', message_type: 'loud' },
        { event_id: quiet.id, topic: 'main', message_type: 'quiet' },
        { event_id: loudAgain.id, topic: 'main', message_type: 'loud' },
        { event_id: loudAgain.id, topic: 'side', message_type: 'loud' },
      ]);
      // Inside the caller's transaction (an executor) too.
      const other = `inv-${randomUUID()}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx = { query: (text: string, values?: unknown[]) => client.query(text, values) };
        await new EventSourcingStore(
          { query: tx.query, transaction: (work) => work(tx) },
          { outbox: { topic: () => ['main', 'side'] } },
        ).append(event(other, 1));
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const { rows: inTx } = await pool.query(
        'SELECT topic FROM event_store.outbox WHERE message_key = $1 ORDER BY id',
        [other],
      );
      expect(inTx).toEqual([{ topic: 'main' }, { topic: 'side' }]);
    });

    it('pages through the global log with limit and cursor, and refuses a cursor it did not issue', async () => {
      const own = new EventSourcingStore(pool, { schema: 'es_paging' });
      await own.migrate();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const batch = [event(`p${i}-${randomUUID()}`, 1), event(`p${i}-${randomUUID()}`, 1)];
        for (const e of batch) await own.append(e);
        ids.push(...batch.map((e) => e.id));
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let round = 0; round < 50 && seen.length < ids.length; round++) {
        const page = await own.readAll({ after: cursor, limit: 3 });
        expect(page.events.length).toBeLessThanOrEqual(3);
        seen.push(...page.events.map((e) => e.id));
        if (page.events.length > 0) expect(page.cursor).toBe(page.events.at(-1)!.cursor);
        else await new Promise((r) => setTimeout(r, 20));
        cursor = page.cursor;
      }
      expect(seen).toEqual(ids);
      // At the end: no events, and the cursor stays where it was.
      expect(await own.readAll({ after: cursor })).toEqual({ events: [], cursor });
      await expect(own.readAll({ after: 'not-a-cursor' })).rejects.toMatchObject({ code: 'EVENT_INVALID' });
    });

    // On a single-backend server the gated transactions cannot interleave (each holds the backend
    // until it commits), so there this checks the plain order; on PostgreSQL they commit out of order.
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
    }, 60_000);

    it('saves and loads snapshots, and replays from the snapshot', async () => {
      const id = `inv-${randomUUID()}`;
      await store.append(Array.from({ length: 10 }, (_, i) => event(id, i + 1, { add: i + 1 })));
      const sum = (state: { total: number }, e: StoredEvent) => ({
        total: state.total + (e.data as { add: number }).add,
      });
      expect(await store.loadSnapshot(id)).toBeUndefined();
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
      await expect(executorStore.append(event(id, 2))).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
      });
      expect(await executorStore.append([event(id, 3)], { expectedVersion: 'any' })).toMatchObject({
        version: 3,
      });
      expect(await executorStore.currentVersion(id)).toBe(3);
    });

    describe('append inside the caller’s transaction (an executor)', () => {
      it('reports a repeat as a duplicate without aborting the transaction, and commits with it', async () => {
        const schema = 'es_caller_tx';
        const own = new EventSourcingStore(pool, { schema });
        await own.migrate();
        const id = `inv-${randomUUID()}`;
        const first = [event(id, 1), event(id, 2)];
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const inTx = new EventSourcingStore(
            { query: (text, values) => client.query(text, values), transaction: (work) => work(client) },
            { schema },
          );
          await inTx.append(first);
          expect(await inTx.append(first)).toEqual({ version: 2, appended: 0, duplicate: true });
          expect(await inTx.append(first, { expectedVersion: 'any' })).toMatchObject({ duplicate: true });
          // The transaction is still usable, and the caller's own write commits with the events.
          await client.query(`CREATE TABLE ${schema}.side_effect (n int)`);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        expect((await own.readStream(id)).map((e) => e.id)).toEqual(first.map((e) => e.id));
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.side_effect`);
        expect(rows[0].n).toBe(0);
      });

      // Only where the backend can deliver it (see EventStoreCapabilities); polling is covered below.
      if (capabilities.crossConnectionNotify)
        it('wakes a LISTENing subscription when the caller’s transaction commits (crossConnectionNotify)', async () => {
          const schema = 'es_caller_tx_notify';
          const own = new EventSourcingStore(pool, { schema });
          await own.migrate();
          const seen: number[] = [];
          // Polls once a minute: only the NOTIFY committed with the events can wake it in time.
          const sub = own.subscribe('caller-tx', (e) => void seen.push(e.version), {
            pollIntervalMs: 60_000,
          });
          await sub.start();
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const inTx = new EventSourcingStore(
              { query: (text, values) => client.query(text, values), transaction: (work) => work(client) },
              { schema },
            );
            const id = `inv-${randomUUID()}`;
            await inTx.append([event(id, 1), event(id, 2)]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
          await waitUntil(() => seen.length >= 2);
          await sub.stop();
          expect(seen).toEqual([1, 2]);
        });
    });

    describe('catch-up subscriptions', () => {
      for (const listen of [true, false]) {
        // The LISTEN variant only where notifications cross connections; the polling one everywhere.
        if (listen && !capabilities.crossConnectionNotify) continue;
        it(`delivers the log in order and resumes from its checkpoint (${listen ? 'LISTEN/NOTIFY, crossConnectionNotify' : 'polling'})`, async () => {
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
          await waitUntil(() => seen.length >= 4);
          expect(seen).toEqual([1, 2, 3, 4]);
          await sub.stop();
          const { rows } = await pool.query(
            `SELECT transaction_id::text || ':' || position::text AS c FROM ${schema}.checkpoints WHERE subscription = 'projection'`,
          );
          expect(rows[0].c).toBe(sub.position);

          await own.append(event(id, 5));
          const resumed: number[] = [];
          const again = own.subscribe('projection', (e) => void resumed.push(e.version), {
            listen,
            pollIntervalMs: 50,
          });
          await again.start();
          await waitUntil(() => resumed.length >= 1);
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
        await waitUntil(() => seen.length >= 3);
        await sub.stop();
        expect(seen).toEqual([1, 2, 3]);
        expect(errors).toHaveLength(1);
      });
    });
  });
}
