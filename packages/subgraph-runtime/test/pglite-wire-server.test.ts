import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteWireServer } from '../src/storage/pglite-wire-server.js';

describe('PGliteWireServer: many pg connections on one PGlite backend', () => {
  let db: PGlite;
  let server: PGliteWireServer;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await PGlite.create();
    server = new PGliteWireServer(db);
    const address = await server.listen();
    pool = new pg.Pool({ connectionString: `postgres://postgres@${address}/postgres`, max: 8 });
    await pool.query('CREATE TABLE t (id int PRIMARY KEY, a text, b text)');
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.close();
    await db?.close();
  });

  it('never interleaves parameterised queries of different connections', async () => {
    // Different parameter counts per statement: an interleaved Parse/Bind would fail loudly.
    const work = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? pool.query('INSERT INTO t (id, a, b) VALUES ($1, $2, $3)', [i, `a${i}`, `b${i}`])
        : pool.query('SELECT $1::int + $2::int AS sum', [i, 1]),
    );
    const results = await Promise.all(work);
    expect(results.filter((_r, i) => i % 2 === 1).every((r, k) => r.rows[0].sum === 2 * k + 2)).toBe(true);
    expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(100);
  });

  it('gives a connection the backend for the whole of its transaction', async () => {
    const tx = await pool.connect();
    await tx.query('BEGIN');
    await tx.query('INSERT INTO t (id, a, b) VALUES ($1, $2, $3)', [1000, 'x', 'y']);
    // Another connection's statement waits for the transaction: it must not run inside it.
    const other = pool.query('SELECT count(*)::int AS n FROM t WHERE id = $1', [1000]);
    await new Promise((r) => setTimeout(r, 50));
    await tx.query('ROLLBACK');
    tx.release();
    expect((await other).rows[0].n).toBe(0);
  });

  it('rolls back the open transaction of a connection that disappears', async () => {
    const client = new pg.Client({ connectionString: pool.options.connectionString });
    client.on('error', () => {});
    await client.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO t (id, a, b) VALUES ($1, $2, $3)', [2000, 'x', 'y']);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const after = await pool.query('SELECT count(*)::int AS n FROM t WHERE id = $1', [2000]);
    expect(after.rows[0].n).toBe(0);
  });
});
