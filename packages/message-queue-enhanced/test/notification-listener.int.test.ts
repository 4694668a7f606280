import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationListener } from '../src/event-store/notification-listener.js';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('mqe_listener');
  // One connection: a listener that kept its connection would starve every other query.
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** A query on the pool, failing instead of waiting forever for a connection nobody gives back. */
const poolAnswers = (): Promise<unknown> =>
  Promise.race([
    pool.query('SELECT 1'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the pool has no free connection')), 3000)),
  ]);

describe('NotificationListener', () => {
  it('wakes on a NOTIFY on its channel, and gives its connection back on stop', async () => {
    let woken = 0;
    const listener = new NotificationListener('mqe_wake', () => woken++);
    await listener.start(pool);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query(`NOTIFY "mqe_other"`);
      await other.query(`NOTIFY "mqe_wake"`);
      const deadline = Date.now() + 5000;
      while (woken === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(woken).toBe(1);
    } finally {
      await other.end();
    }
    await listener.stop();
    await expect(poolAnswers()).resolves.toBeDefined();
  });

  it('gives its connection back when LISTEN fails, and reports the failure', async () => {
    const errors: unknown[] = [];
    // A channel name PostgreSQL refuses: LISTEN fails after the connection was taken.
    const listener = new NotificationListener('bad"channel', () => {});
    await listener.start(pool, (error) => errors.push(error));
    expect(errors).toHaveLength(1);
    await expect(poolAnswers()).resolves.toBeDefined();
    await listener.stop();
  });
});
