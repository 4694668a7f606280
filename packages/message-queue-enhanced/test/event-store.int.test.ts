import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSourcingStore } from '../src/event-store/event-sourcing-store.js';
import type { NewEvent } from '../src/event-store/stored-event.js';
import { runEventStoreContract } from './contract/event-store-contract.js';
import { gatedExecutor } from './fixtures/gated-executor.js';

// The backend-independent behaviour of the store lives in the shared contract (also run on PGlite
// over the wire protocol, in packages/subgraph-runtime/test/event-store-pglite.contract.test.ts).
// Real PostgreSQL has several backends, so cross-connection LISTEN/NOTIFY works.
runEventStoreContract(
  'PostgreSQL',
  async () => {
    const db = await createTestDatabase('mqe_store');
    const pool = new pg.Pool({ connectionString: db.url, max: 30 });
    // DROP DATABASE … WITH (FORCE) at the end may end idle connections under the pool.
    pool.on('error', () => {});
    return {
      pool,
      close: async () => {
        await pool.end();
        await db.drop();
      },
    };
  },
  { crossConnectionNotify: true },
);

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('mqe_store_pg');
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function event(aggregateId: string, version: number): NewEvent {
  return {
    id: randomUUID(),
    aggregateId,
    aggregateType: 'Investigation',
    eventType: 'investigation-updated',
    data: { n: version },
    version,
    timestamp: 1_700_000_000_000 + version,
  };
}

describe('EventSourcingStore on real PostgreSQL only', () => {
  // Stays here, not in the contract: it holds one session's transaction open while another
  // session commits, and finds the held one in pg_locks/pg_stat_activity. A single-backend server
  // (PGlite behind the wire server) gives an open transaction the backend until it ends, so the
  // second session could not commit meanwhile, and it has no pg_stat_activity of other sessions.
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
});
