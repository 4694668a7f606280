import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import { migrations } from '../src/event-store/event-store-migrations.js';
import { InProcessTransport } from '../src/in-process/in-process-transport.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

// The embedded default the subgraphs use: PGlite (Postgres 17 in WASM) served through
// pglite-socket, one connection. No external service: PGlite runs in this process.

let db: PGlite;
let server: PGLiteSocketServer;
let pool: pg.Pool;

beforeAll(async () => {
  db = await PGlite.create();
  // Port 0: the system picks a free one (a random guess collided with ports in use).
  server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 1 });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await db?.close();
});

const event = (aggregateId: string, version: number) => ({
  id: randomUUID(),
  aggregateId,
  aggregateType: 'Investigation',
  eventType: 'investigation-updated',
  data: { version },
  version,
});

describe('EventSourcingStore on PGlite (pglite-socket, one connection)', () => {
  it('migrates, appends with concurrency checks, reads globally, and relays the outbox (polling)', async () => {
    const store = new EventSourcingStore(pool, { outbox: { topic: () => 'investigations' } });
    expect(await store.migrate()).toBe(migrations('event_store').length);
    const id = `inv-${randomUUID()}`;
    await store.append([event(id, 1), event(id, 2)]);
    await expect(store.append(event(id, 2))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    const repeat = event(id, 3);
    await store.append(repeat);
    expect(await store.append(repeat)).toMatchObject({ duplicate: true, version: 3 });

    let all = await store.readAll();
    for (let i = 0; i < 50 && all.events.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      all = await store.readAll();
    }
    expect(all.events.map((e) => e.version)).toEqual([1, 2, 3]);

    await store.saveSnapshot({
      aggregateId: id,
      aggregateType: 'Investigation',
      version: 2,
      state: { n: 2 },
    });
    const replayed = await store.replay(id, (s: { n: number }) => ({ n: s.n + 1 }), { n: 0 });
    expect(replayed).toEqual({ state: { n: 3 }, version: 3 });

    const transport = new InProcessTransport();
    const received: number[] = [];
    await transport.subscribe(
      'investigations',
      (m) => void received.push((m.payload as { version: number }).version),
    );
    const relay = new OutboxRelay({ database: pool, transport, listen: false });
    expect(await relay.relayOnce()).toBe(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([1, 2, 3]);

    const seen: number[] = [];
    const sub = store.subscribe('projection', (e) => void seen.push(e.version), {
      listen: false,
      pollIntervalMs: 20,
    });
    await sub.start();
    for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();
    expect(seen).toEqual([1, 2, 3]);
    await transport.close();
  }, 60_000);
});
